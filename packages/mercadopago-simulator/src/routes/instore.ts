// Instore Orders v2: the order slot of a POS (PUT, GET, DELETE).

import type { Router } from "express";

import type { RouteContext } from "./context.ts";
import { accountOf } from "./mp-gate.ts";
import { param } from "./respond.ts";

// The path's collector must be the token's seller: another seller's id (or any other number) is
// refused with 400 invalid_collectorId, the code Mercado Pago documents for a bad collector (that
// it is the answer to a valid id of another account is UNCONFIRMED).
export function registerInstoreRoutes(router: Router, { mp }: RouteContext): void {
  router.put(
    "/mp/instore/qr/seller/collectors/:userId/stores/:storeId/pos/:posId/orders",
    mp("put_order", (req) => {
      accountOf(req).putOrder(
        param(req, "userId"),
        param(req, "storeId"),
        param(req, "posId"),
        req.body,
      );
      return { status: 204 };
    }),
  );

  router.get(
    "/mp/instore/qr/seller/collectors/:userId/pos/:posId/orders",
    mp("get_order", (req) => ({
      status: 200,
      body: accountOf(req).getOrder(param(req, "userId"), param(req, "posId")),
    })),
  );

  router.delete(
    "/mp/instore/qr/seller/collectors/:userId/pos/:posId/orders",
    mp("delete_order", (req) => {
      accountOf(req).deleteOrder(param(req, "userId"), param(req, "posId"));
      return { status: 204 };
    }),
  );
}
