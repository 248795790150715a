import { centsFromApi } from "../../money.ts";
import type { Chargeback, MerchantOrder, Payment } from "../mercadopago.schemas.ts";
import { DETAIL_FIELDS } from "../payment-details.ts";
import type { ObservedChargeback, UpstreamObservation } from "../upstream.ts";

/** Payments of one chargeback followed to their sale (a chargeback is on one, rarely a few). */
export const CHARGEBACK_PAYMENTS_READ = 3;

/**
 * A chargeback read by id, placed on the observations of the merchant orders its payments are
 * listed on: it speaks before the payment's `charged_back` status does (it has an id, an amount
 * and a date). Its status is Mercado Pago's documentation status (pending, review_pending,
 * valid, invalid, not_supplied, not_applicable), `opened` when it gives none.
 */
export function withChargeback(
  observations: readonly UpstreamObservation[],
  cb: Chargeback,
): UpstreamObservation[] {
  const onPayments = new Set(cb.payments.map(String));
  return observations.map((o) => {
    const payment = o.payments.find((p) => onPayments.has(String(p.id)));
    if (!payment) return o;
    const amountCents = cb.amount > 0 ? centsFromApi(cb.amount) : centsFromApi(payment.amount);
    const paymentId = String(payment.id);
    return {
      ...o,
      chargebacks: [
        {
          id: cb.id,
          paymentId,
          amountCents,
          status: cb.documentation_status ?? "opened",
          openedAt: cb.date_created ?? null,
        },
        ...(o.chargebacks ?? []).filter((c) => c.paymentId !== paymentId),
      ],
    };
  });
}

/**
 * Two reads of one resource in a batch (its own notification, a payment's, a chargeback's): the
 * later speaks, keeping the chargebacks either knows, the ones read by id (with an id) first and
 * one per payment, so a chargeback read by id is not lost to a plain read of the same order.
 */
export function sameResource(
  later: UpstreamObservation,
  earlier: UpstreamObservation,
): UpstreamObservation {
  const all = [...(later.chargebacks ?? []), ...(earlier.chargebacks ?? [])];
  const byPayment = new Map<string, ObservedChargeback>();
  for (const c of [...all.filter((c) => c.id !== null), ...all.filter((c) => c.id === null)]) {
    if (!byPayment.has(c.paymentId)) byPayment.set(c.paymentId, c);
  }
  return { ...later, chargebacks: [...byPayment.values()] };
}

/**
 * A merchant order reached through one of its payments, with what that payment's own read
 * (`GET /v1/payments/{id}`, made to find the merchant order) says of how it was paid: the
 * merchant order lists none of it, and the payment need not be read again for its details.
 */
export function withPaymentRead(mo: MerchantOrder, payment: Payment): MerchantOrder {
  const read = payment as Record<string, unknown>;
  const fields = Object.fromEntries(
    DETAIL_FIELDS.filter((k) => read[k] !== undefined).map((k) => [k, read[k]]),
  );
  return {
    ...mo,
    payments: mo.payments.map((p) =>
      String(p.id) === String(payment.id) ? { ...p, ...fields } : p,
    ),
  };
}
