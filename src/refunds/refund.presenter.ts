import { fromCents } from "../sales/money.ts";
import type { RefundEntry, RefundHistory } from "../sales/sale.presenter.ts";
import type { Refund } from "./refund.ts";
import type { RefundsService } from "./refunds.service.ts";

/**
 * A refund of a sale as its history shows it (`GET /orders/:ref?include=events`): what was
 * asked, what Mercado Pago made of it, and why it failed. Its parts and keys stay inside.
 */
export function presentRefund(r: Refund): RefundEntry {
  return {
    // requested: the outcome is not known yet; processing: Mercado Pago took it, no money back
    // yet; done: Mercado Pago made it (all of `amount`, or the `refunded_amount` part of it);
    // failed: nothing was given back
    status: r.status,
    amount: fromCents(r.amountCents),
    refunded_amount: fromCents(r.refundedCents),
    failure: r.failure ? { code: r.failure.code, message: r.failure.message } : null,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

/** A sale's refunds as its history shows them: what the sales and live routes are given. */
export function refundHistoryOf(refunds: Pick<RefundsService, "ofSale">): RefundHistory {
  return { ofSale: async (sale) => (await refunds.ofSale(sale)).map(presentRefund) };
}
