// HTTP face of the simulator: the Mercado Pago API under `/mp` (bearer token required), test
// helpers under `/api` (no token, never expose it), the customer page at `/` and QR images.
// Each resource's routes are in `routes/`; this file puts them together in their order.

import express from "express";
import type { ErrorRequestHandler, Router } from "express";

import { registerChargebackRoutes } from "./routes/chargebacks.ts";
import { registerControlRoutes } from "./routes/control.ts";
import type { RouteContext, SimulatorParts } from "./routes/context.ts";
import { registerCustomerRoutes } from "./routes/customer.ts";
import { faultInjecting } from "./routes/fault-injection.ts";
import { registerInstoreRoutes } from "./routes/instore.ts";
import { registerMerchantOrderRoutes } from "./routes/merchant-orders.ts";
import { registerOAuthRoutes } from "./oauth/oauth-routes.ts";
import { mpGate } from "./routes/mp-gate.ts";
import { registerOrdersApiRoutes } from "./routes/orders-api.ts";
import { registerPageRoutes } from "./routes/page.ts";
import { registerPaymentRoutes } from "./routes/payments.ts";
import { registerPaymentSearchRoutes } from "./routes/payments-search.ts";
import { registerStoresPosRoutes } from "./routes/stores-pos.ts";
import { isRecord, mpError } from "./util.ts";

export type { PosWithQr, RequestLogEntry, SimulatorParts } from "./routes/context.ts";
export { redactPath } from "./routes/mp-gate.ts";

export function createSimulatorRouter(sim: SimulatorParts): Router {
  const router = express.Router();
  const context: RouteContext = { sim, mp: faultInjecting(sim.faults), qrCache: new Map() };

  router.use(express.json({ limit: "1mb" }));

  // Mercado Pago API (OAuth's token endpoint first: it takes client credentials, not a bearer)
  if (sim.oauth) registerOAuthRoutes(router, sim.oauth);
  router.use("/mp", mpGate(sim));
  registerInstoreRoutes(router, context);
  registerMerchantOrderRoutes(router, context);
  registerPaymentSearchRoutes(router, context); // before /v1/payments/:id
  registerPaymentRoutes(router, context);
  registerChargebackRoutes(router, context);
  registerStoresPosRoutes(router, context);
  registerOrdersApiRoutes(router, context);
  router.use("/mp", (_req, res) => {
    res.status(404).json(mpError(404, "not_found", "resource not found"));
  });

  // QR images and the page
  registerPageRoutes(router, context);

  // Test helpers (no token; must never reveal it)
  registerCustomerRoutes(router, context);
  registerControlRoutes(router, context);

  const onError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const status =
      isRecord(err) &&
      typeof err["status"] === "number" &&
      err["status"] >= 400 &&
      err["status"] < 500
        ? err["status"]
        : 500;
    const message = status === 500 ? "internal error" : "invalid request body";
    res
      .status(status)
      .json(mpError(status, status === 500 ? "internal_error" : "bad_request", message));
  };
  router.use(onError);

  return router;
}
