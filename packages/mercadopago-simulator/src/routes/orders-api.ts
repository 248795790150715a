// Orders API for QR (`/v1/orders`): X-Idempotency-Key is required on every write (checked by the
// state, so a replay answers what the first call answered).

import type { Router } from "express";

import type { RouteContext } from "./context.ts";
import { param } from "./respond.ts";

export function registerOrdersApiRoutes(router: Router, { sim, mp }: RouteContext): void {
  const { state } = sim;

  router.post(
    "/mp/v1/orders",
    mp("create_api_order", (req) => {
      const body: unknown = req.body;
      return state.createApiOrder(body, req.get("x-idempotency-key"));
    }),
  );

  router.get(
    "/mp/v1/orders/:id",
    mp("get_api_order", (req) => ({ status: 200, body: state.getApiOrder(param(req, "id")) })),
  );

  router.post(
    "/mp/v1/orders/:id/cancel",
    mp("cancel_api_order", (req) =>
      state.cancelApiOrder(param(req, "id"), req.get("x-idempotency-key")),
    ),
  );

  router.post(
    "/mp/v1/orders/:id/refund",
    mp("refund_api_order", (req) => {
      const body: unknown = req.body;
      return state.refundApiOrder(param(req, "id"), body, req.get("x-idempotency-key"));
    }),
  );
}
