// Instore Orders v2: the order slot of a POS (PUT, GET, DELETE).

import type { Router } from "express";

import type { RouteContext } from "./context.ts";
import { param } from "./respond.ts";

export function registerInstoreRoutes(router: Router, { sim, mp }: RouteContext): void {
  const { state } = sim;

  router.put(
    "/mp/instore/qr/seller/collectors/:userId/stores/:storeId/pos/:posId/orders",
    mp("put_order", (req) => {
      state.putOrder(param(req, "userId"), param(req, "storeId"), param(req, "posId"), req.body);
      return { status: 204 };
    }),
  );

  router.get(
    "/mp/instore/qr/seller/collectors/:userId/pos/:posId/orders",
    mp("get_order", (req) => ({
      status: 200,
      body: state.getOrder(param(req, "userId"), param(req, "posId")),
    })),
  );

  router.delete(
    "/mp/instore/qr/seller/collectors/:userId/pos/:posId/orders",
    mp("delete_order", (req) => {
      state.deleteOrder(param(req, "userId"), param(req, "posId"));
      return { status: 204 };
    }),
  );
}
