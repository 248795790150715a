// Payments and their refunds (`/v1/payments/:id`, `/v1/payments/:id/refunds`).

import type { Request, Router } from "express";

import { SimulatorError, isRecord } from "../util.ts";
import type { RouteContext } from "./context.ts";
import { accountOf } from "./mp-gate.ts";
import { numericId, param } from "./respond.ts";

function paymentId(req: Request): number {
  const id = numericId(param(req, "id"));
  if (id === null) throw new SimulatorError(400, "bad_request", "invalid payment id");
  return id;
}

// A seller's payments only: another seller's payment, or its refunds, are 404 as a missing one
// (UNCONFIRMED: Mercado Pago documents no answer for it).
export function registerPaymentRoutes(router: Router, { mp }: RouteContext): void {
  router.get(
    "/mp/v1/payments/:id",
    mp("get_payment", (req) => ({ status: 200, body: accountOf(req).getPayment(paymentId(req)) })),
  );

  router.post(
    "/mp/v1/payments/:id/refunds",
    mp("refund_payment", (req) => {
      const id = paymentId(req);
      const key = req.get("x-idempotency-key");
      if (!key) {
        throw new SimulatorError(400, "4292", "Header X-Idempotency-Key can't be null");
      }
      const raw: unknown = isRecord(req.body) ? req.body["amount"] : undefined;
      if (raw !== undefined && typeof raw !== "number") {
        throw new SimulatorError(400, "invalid_amount", "amount must be a number");
      }
      return { status: 201, body: accountOf(req).createRefund(id, raw, key) };
    }),
  );

  router.get(
    "/mp/v1/payments/:id/refunds",
    mp("list_refunds", (req) => ({
      status: 200,
      body: accountOf(req).listRefunds(paymentId(req)),
    })),
  );
}
