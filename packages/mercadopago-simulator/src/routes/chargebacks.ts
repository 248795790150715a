// Chargebacks: `GET /v1/chargebacks/:id` (Mercado Pago API), and the helper that has the
// customer's bank charge back an approved payment (`POST /api/payments/:id/chargeback`).

import type { Router } from "express";

import type { RouteContext } from "./context.ts";
import { accountOf } from "./mp-gate.ts";
import { helper, param, requireNumericId } from "./respond.ts";

export function registerChargebackRoutes(router: Router, { sim, mp }: RouteContext): void {
  const { accounts } = sim;

  router.get(
    "/mp/v1/chargebacks/:id",
    mp("get_chargeback", (req) => ({
      status: 200,
      body: accountOf(req).getChargeback(param(req, "id")),
    })),
  );

  router.post(
    "/api/payments/:id/chargeback",
    helper((req) => {
      const id = requireNumericId(param(req, "id"), "payment");
      return { status: 201, body: accounts.holding("payment", id).chargeBack(id) };
    }),
  );
}
