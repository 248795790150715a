// Merchant orders: the search (both of its paths) and one by id.

import type { Router } from "express";

import type { SimulatorState } from "../state/index.ts";
import { SimulatorError } from "../util.ts";
import type { RouteContext } from "./context.ts";
import { accountOf } from "./mp-gate.ts";
import { numericId, param, queryString } from "./respond.ts";

// A seller's merchant orders only: another seller's is 404 as a missing one (Mercado Pago's
// answer to it is UNCONFIRMED), and the search finds none of them.
export function registerMerchantOrderRoutes(router: Router, { mp }: RouteContext): void {
  const searchMerchantOrders = mp("search_merchant_orders", (req) => {
    const intParam = (name: string): number | undefined => {
      const raw = queryString(req, name);
      if (raw === undefined) return undefined;
      if (!/^\d+$/.test(raw)) {
        throw new SimulatorError(400, "ds_search_query", `${name} must be a number`);
      }
      return Number(raw);
    };
    const query: Parameters<SimulatorState["searchMerchantOrders"]>[0] = {};
    const ref = queryString(req, "external_reference");
    const status = queryString(req, "status");
    const limit = intParam("limit");
    const offset = intParam("offset");
    if (ref !== undefined) query.external_reference = ref;
    if (status !== undefined) query.status = status;
    if (limit !== undefined) query.limit = limit;
    if (offset !== undefined) query.offset = offset;
    return { status: 200, body: accountOf(req).searchMerchantOrders(query) };
  });
  router.get("/mp/merchant_orders/search", searchMerchantOrders);
  router.get("/mp/merchant_orders", searchMerchantOrders);

  router.get(
    "/mp/merchant_orders/:id",
    mp("get_merchant_order", (req) => {
      const id = numericId(param(req, "id"));
      if (id === null) {
        throw new SimulatorError(400, "invalid_format", "invalid merchant order id");
      }
      return { status: 200, body: accountOf(req).getMerchantOrder(id) };
    }),
  );
}
