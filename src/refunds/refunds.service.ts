import type { Refund } from "./refund.ts";
import { createRefundsContext, type RefundsServiceDeps } from "./refunds.context.ts";
import { createRefundOutcome } from "./refunds.outcome.ts";
import { createRefundRequest } from "./refunds.request.ts";
import { createRefundResolving } from "./refunds.resolve.ts";
import { createRefundSending } from "./refunds.send.ts";
import type { Sale } from "../sales/sale.ts";

export type { RefundRequest, RefundsServiceDeps } from "./refunds.context.ts";

/**
 * The refunds service, composed of its use cases: a staff request (refunds.request.ts: reserve,
 * plan from Mercado Pago's view of the payments with refunds.plan.ts, send, apply) and the
 * resolver's turn at a refund left open (refunds.resolve.ts), over sending to Mercado Pago
 * (refunds.send.ts), applying the outcome (refunds.outcome.ts, where refunds made at Mercado
 * Pago are picked up through the sales' one decision path) and what they share
 * (refunds.context.ts).
 */
export function createRefundsService(deps: RefundsServiceDeps) {
  const ctx = createRefundsContext(deps);
  const sending = createRefundSending(ctx);
  const outcome = createRefundOutcome(ctx);
  const { refund } = createRefundRequest(ctx, sending, outcome);
  const { resolve } = createRefundResolving(ctx, sending, outcome);

  return {
    /** The refunds asked of a sale through this service, oldest first (its history shows them). */
    ofSale: (sale: Sale): Promise<Refund[]> => ctx.refunds.listForSale(sale.id),
    refund,
    resolve,
  };
}

export type RefundsService = ReturnType<typeof createRefundsService>;
