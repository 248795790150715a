import { centsFromApi } from "../../money.ts";
import type { MerchantOrder } from "../mercadopago.schemas.ts";
import type { UpstreamObservation } from "../upstream.ts";

/** Money approved on a merchant order: the sum of its approved payments' `transaction_amount`. */
export function approvedCents(mo: MerchantOrder): number {
  return mo.payments
    .filter((p) => p.status === "approved")
    .reduce((sum, p) => sum + centsFromApi(p.transaction_amount), 0);
}

const REVERSAL = new Set(["refunded", "charged_back"]);

/** Money that was collected: approved payments and those refunded or charged back since. */
export function collectedCents(mo: MerchantOrder): number {
  return mo.payments
    .filter((p) => p.status === "approved" || REVERSAL.has(p.status))
    .reduce((sum, p) => sum + centsFromApi(p.transaction_amount), 0);
}

/**
 * Money given back, per payment: its `amount_refunded`, and all of it when its status says it
 * was refunded or charged back (a chargeback is not a refund, but the money is gone all the
 * same; whether `amount_refunded` covers chargebacks is not documented, so the status decides).
 * Mercado Pago's merchant-order `refunded_amount` is not trusted alone (its semantics are
 * UNCONFIRMED), only used when it says more than the payments do.
 */
export function refundedCents(mo: MerchantOrder): number {
  const byPayments = mo.payments.reduce((sum, p) => {
    const amount = centsFromApi(p.transaction_amount);
    const refunded = REVERSAL.has(p.status) ? amount : centsFromApi(p.amount_refunded);
    return sum + Math.min(amount, Math.max(0, refunded));
  }, 0);
  return Math.min(collectedCents(mo), Math.max(byPayments, centsFromApi(mo.refunded_amount)));
}

/**
 * What a merchant order says, neutrally. `settled` is `closed` only: the sum of approved
 * payments' `transaction_amount` (not `total_paid_amount`, which includes financing) is what
 * must cover the sale; Mercado Pago's `paid_amount` and `order_status` are not trusted alone, and
 * `opened` means nothing (it can arrive at any moment since 2024).
 */
export function observeMerchantOrder(mo: MerchantOrder): UpstreamObservation {
  return {
    api: "instore_v2",
    id: String(mo.id),
    externalReference: mo.external_reference,
    status: mo.status,
    settled: mo.status === "closed",
    approvedCents: approvedCents(mo),
    paidCents: collectedCents(mo),
    refundedCents: refundedCents(mo),
    reverted:
      mo.order_status === "reverted" ||
      mo.order_status === "partially_reverted" ||
      mo.payments.some((p) => REVERSAL.has(p.status)),
    ended: mo.status === "expired" || mo.cancelled === true,
    payments: mo.payments.map((p) => ({
      id: Number(p.id),
      status: p.status,
      amount: p.transaction_amount,
      ...(p.amount_refunded > 0 ? { refunded: p.amount_refunded } : {}),
    })),
    updatedAt: mo.last_updated ?? "",
  };
}
