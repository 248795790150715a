import { centsFromApi } from "../../money.ts";
import type { MerchantOrder } from "../mercadopago.schemas.ts";
import { detailsOfPayment, paymentInProcess } from "../payment-details.ts";
import type { ObservedChargeback, UpstreamObservation } from "../upstream.ts";

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

/** Money of the merchant order charged back: a dispute, not money given back by a refund. */
export function chargedBackCents(mo: MerchantOrder): number {
  return mo.payments
    .filter((p) => p.status === "charged_back")
    .reduce((sum, p) => sum + centsFromApi(p.transaction_amount), 0);
}

/**
 * Money given back by refunds, per payment: its `amount_refunded`, and all of it when its
 * status says `refunded`. A payment `charged_back` is not a refund: the money is disputed (it
 * may come back to the merchant), the sale stays paid and shows the dispute instead, so neither
 * it nor a part of the merchant order's `refunded_amount` it could explain counts here.
 * Mercado Pago's merchant-order `refunded_amount` is not trusted alone (its semantics are
 * UNCONFIRMED), only used when it says more than the payments do.
 */
export function refundedCents(mo: MerchantOrder): number {
  const byPayments = mo.payments.reduce((sum, p) => {
    if (p.status === "charged_back") return sum;
    const amount = centsFromApi(p.transaction_amount);
    const refunded = p.status === "refunded" ? amount : centsFromApi(p.amount_refunded);
    return sum + Math.min(amount, Math.max(0, refunded));
  }, 0);
  const refundable = collectedCents(mo) - chargedBackCents(mo);
  const orderSays = centsFromApi(mo.refunded_amount) - chargedBackCents(mo);
  return Math.max(0, Math.min(refundable, Math.max(byPayments, orderSays)));
}

/** The merchant order's charged-back payments, as chargebacks (opened when last changed). */
export function chargebacksOf(mo: MerchantOrder): ObservedChargeback[] {
  return mo.payments
    .filter((p) => p.status === "charged_back")
    .map((p) => {
      const changed = (p as Record<string, unknown>).last_modified;
      return {
        id: null,
        paymentId: String(p.id),
        amountCents: centsFromApi(p.transaction_amount),
        status: "charged_back",
        openedAt: typeof changed === "string" ? changed : (mo.last_updated ?? null),
      };
    });
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
      // a merchant order's payment usually lists no method, card or fees: completeDetails reads them
      details: detailsOfPayment(p),
    })),
    updatedAt: mo.last_updated ?? "",
    paymentInProcess: paymentInProcess(mo.payments, (p) => p.status === "approved"),
    chargebacks: chargebacksOf(mo),
  };
}
