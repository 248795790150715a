// Orders API for QR (`/v1/orders`): X-Idempotency-Key is required on every write (checked by the
// state, so a replay answers what the first call answered).

import type { Router } from "express";

import type { RouteContext } from "./context.ts";
import { accountOf } from "./mp-gate.ts";
import { param } from "./respond.ts";

// A seller's orders only: another seller's order reads as a missing one (404 order_not_found),
// and a refund of it is 400 invalid_order_owner (state/orders.ts).
export function registerOrdersApiRoutes(router: Router, { mp }: RouteContext): void {
  router.post(
    "/mp/v1/orders",
    mp("create_api_order", (req) => {
      const body: unknown = req.body;
      return accountOf(req).createApiOrder(body, req.get("x-idempotency-key"));
    }),
  );

  router.get(
    "/mp/v1/orders/:id",
    mp("get_api_order", (req) => ({
      status: 200,
      body: accountOf(req).getApiOrder(param(req, "id")),
    })),
  );

  router.post(
    "/mp/v1/orders/:id/cancel",
    mp("cancel_api_order", (req) =>
      accountOf(req).cancelApiOrder(param(req, "id"), req.get("x-idempotency-key")),
    ),
  );

  router.post(
    "/mp/v1/orders/:id/refund",
    mp("refund_api_order", (req) => {
      const body: unknown = req.body;
      return accountOf(req).refundApiOrder(param(req, "id"), body, req.get("x-idempotency-key"));
    }),
  );
}
