// Test helpers of the customer's side (`/api/*`, no token): the POS list, scan, pay, expire,
// and what happens at Mercado Pago outside the integration (an order cancelled elsewhere, a
// payment refunded or settled). On a POS that holds an Orders API order, scan shows it (Orders
// API has no merchant order), and pay and expire act on it: whichever API put the order there,
// the customer pays it. Whoever's the POS is: `?user_id=` (or `user_id` in the body) names its
// seller, needed only when two OAuth sellers have a POS of that external id and the simulator's
// own account has none (Accounts.withPos); ids of merchant orders, payments and orders are found
// in any account.

import type { Request, Router } from "express";

import type { MerchantOrder, PayOptions, PayOutcome, Payment } from "../state/index.ts";
import type { ApiPayOutcome } from "../state/types.ts";
import { PAYMENT_METHODS, isPaymentMethodChoice } from "../state/payment-methods.ts";
import { SimulatorError } from "../util.ts";
import type { RouteContext, SimResponse } from "./context.ts";
import {
  body,
  helper,
  param,
  requireNumericId,
  requiredReference,
  sellerParam,
} from "./respond.ts";
import { withQr } from "./stores-pos.ts";

const PAY_OUTCOMES: readonly string[] = ["approved", "rejected", "pending", "in_process"];

function payOptions(req: Request): PayOptions {
  const b = body(req);
  const late = b["late"] === true ? { late: true } : {};
  const status = b["status"] ?? "approved";
  if (typeof status !== "string" || !PAY_OUTCOMES.includes(status)) {
    throw new SimulatorError(
      400,
      "bad_request",
      "status must be approved, rejected, pending or in_process",
    );
  }
  const amount = b["amount"];
  if (amount !== undefined && typeof amount !== "number") {
    throw new SimulatorError(400, "bad_request", "amount must be a number");
  }
  return {
    status: status as PayOutcome,
    ...(amount === undefined ? {} : { amount }),
    ...late,
    ...paymentMethodOptions(b),
  };
}

/** How the customer pays (`method`, `installments`): checked here, the site's rules in the state. */
function paymentMethodOptions(
  b: Record<string, unknown>,
): Pick<PayOptions, "method" | "installments"> {
  const method = b["method"];
  if (method !== undefined && !isPaymentMethodChoice(method)) {
    throw new SimulatorError(
      400,
      "bad_request",
      `method must be one of ${PAYMENT_METHODS.join(", ")}`,
    );
  }
  const installments = b["installments"];
  if (installments !== undefined && typeof installments !== "number") {
    throw new SimulatorError(400, "bad_request", "installments must be a number");
  }
  return {
    ...(method === undefined ? {} : { method }),
    ...(installments === undefined ? {} : { installments }),
  };
}

/** Outcome of paying an Orders API order: approved (default) or rejected. */
function apiPayOutcome(req: Request): ApiPayOutcome {
  const status = body(req)["status"] ?? "approved";
  if (status !== "approved" && status !== "rejected") {
    throw new SimulatorError(
      400,
      "bad_request",
      "an Orders API order takes status approved or rejected",
    );
  }
  return status;
}

function apiPayAmount(req: Request): number | undefined {
  const amount = body(req)["amount"];
  if (amount === undefined) return undefined;
  if (typeof amount !== "number") {
    throw new SimulatorError(400, "bad_request", "amount must be a number");
  }
  return Math.round(amount * 100);
}

/** A payment helper's answer: the payment and its merchant order. */
function paymentAnswer(
  status: number,
  result: { payment: Payment; merchantOrder: MerchantOrder },
): SimResponse {
  return { status, body: { payment: result.payment, merchant_order: result.merchantOrder } };
}

export function registerCustomerRoutes(router: Router, { sim }: RouteContext): void {
  const { accounts } = sim;
  /** The account of the path's POS (and the named seller). */
  const posAccount = (req: Request) => accounts.withPos(param(req, "posId"), sellerParam(req));
  /** The account of the path's Orders API order (or POS, which these helpers also take). */
  const orderAccount = (req: Request) =>
    accounts.withApiOrderTarget(param(req, "id"), sellerParam(req));

  // every account's POS, the simulator's own first; `user_id` is the own account's seller
  router.get(
    "/api/pos",
    helper((req) => ({
      status: 200,
      body: {
        pos: accounts
          .list()
          .flatMap((account) => account.listPos())
          .map((entry) => ({ ...entry, pos: withQr(sim, req, entry.pos) })),
        user_id: accounts.main.collectorId,
      },
    })),
  );

  router.post(
    "/api/pos/:posId/scan",
    helper((req) => {
      const state = posAccount(req);
      const apiOrder = state.apiOrderOnPos(param(req, "posId"));
      if (apiOrder) return { status: 201, body: apiOrder };
      return { status: 201, body: state.scan(param(req, "posId")) };
    }),
  );

  router.post(
    "/api/pos/:posId/pay",
    helper((req) => {
      const posId = param(req, "posId");
      const state = posAccount(req);
      if (state.apiOrderOnPos(posId)) {
        const order = state.payApiOrder(posId, apiPayOutcome(req), apiPayAmount(req));
        return { status: 201, body: { order } };
      }
      const result = state.pay(param(req, "posId"), payOptions(req));
      return paymentAnswer(201, result);
    }),
  );

  router.post(
    "/api/merchant_orders/:id/pay",
    helper((req) => {
      const id = requireNumericId(param(req, "id"), "merchant order");
      const result = accounts.holding("merchant_order", id).pay(id, payOptions(req));
      return paymentAnswer(201, result);
    }),
  );

  router.post(
    "/api/pos/:posId/expire",
    helper((req) => {
      const posId = param(req, "posId");
      const state = posAccount(req);
      const apiOrder = state.apiOrderOnPos(posId);
      const expiredOrders = apiOrder ? [state.expireApiOrder(apiOrder.id)] : [];
      return {
        status: 200,
        body: { expired: state.expire(posId), expired_orders: expiredOrders },
      };
    }),
  );

  router.post(
    "/api/orders/:id/pay",
    helper((req) => ({
      status: 201,
      body: {
        order: orderAccount(req).payApiOrder(
          param(req, "id"),
          apiPayOutcome(req),
          apiPayAmount(req),
          body(req)["late"] === true,
        ),
      },
    })),
  );

  // Seller side: the order is cancelled at Mercado Pago outside this integration.
  router.post(
    "/api/orders/:id/cancel",
    helper((req) => ({
      status: 200,
      body: { order: orderAccount(req).cancelApiOrderElsewhere(param(req, "id")) },
    })),
  );
  router.post(
    "/api/pos/:posId/cancel",
    helper((req) => {
      const posId = param(req, "posId");
      const state = posAccount(req);
      if (!state.apiOrderOnPos(posId)) {
        throw new SimulatorError(
          409,
          "conflict",
          `POS ${posId} holds no Orders API order; an instore v2 order is not cancelled at Mercado Pago`,
        );
      }
      return { status: 200, body: { order: state.cancelApiOrderElsewhere(posId) } };
    }),
  );

  router.post(
    "/api/orders/:id/expire",
    helper((req) => ({
      status: 200,
      body: { order: orderAccount(req).expireApiOrder(param(req, "id")) },
    })),
  );

  router.get(
    "/api/orders",
    helper((req) => {
      const ref = requiredReference(req);
      const orders = accounts.list().flatMap((account) => account.apiOrdersByReference(ref));
      return { status: 200, body: { orders } };
    }),
  );

  router.post(
    "/api/payments/:id/refund",
    helper((req) => {
      const id = requireNumericId(param(req, "id"), "payment");
      const amount = body(req)["amount"];
      if (amount !== undefined && typeof amount !== "number") {
        throw new SimulatorError(400, "bad_request", "amount must be a number");
      }
      const result = accounts.holding("payment", id).refund(id, amount);
      return paymentAnswer(200, result);
    }),
  );

  router.post(
    "/api/payments/:id/settle",
    helper((req) => {
      const id = requireNumericId(param(req, "id"), "payment");
      const status = body(req)["status"];
      if (status !== "approved" && status !== "rejected") {
        throw new SimulatorError(400, "bad_request", "status must be approved or rejected");
      }
      const result = accounts.holding("payment", id).settlePayment(id, status);
      return paymentAnswer(200, result);
    }),
  );
}
