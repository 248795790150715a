import { centsFromApi } from "../sales/money.ts";
import type { MerchantOrder } from "../mercadopago/mercadopago.schemas.ts";
import { isOpen, type Refund, type Refundable } from "./refund.ts";

/** Statuses of a Mercado Pago payment that can still be refunded. */
const REFUNDABLE_STATUS = "approved";

/** What is left to refund of each approved payment of the merchant order that paid the sale. */
export function refundables(mo: MerchantOrder): Refundable[] {
  return mo.payments
    .filter((p) => p.status === REFUNDABLE_STATUS)
    .map((p) => ({
      paymentId: Number(p.id),
      cents: centsFromApi(p.transaction_amount) - centsFromApi(p.amount_refunded),
    }));
}

/** Subtracts, per payment, what other refunds in flight have planned and not settled. */
export function lessInFlight(list: Refundable[], others: Refund[]): Refundable[] {
  const held = new Map<number, number>();
  for (const r of others) {
    if (!isOpen(r)) continue;
    for (const p of r.parts) {
      if (p.state === "done" || p.state === "failed") continue;
      held.set(p.paymentId, (held.get(p.paymentId) ?? 0) + p.amountCents);
    }
  }
  return list.map((p) => ({ ...p, cents: p.cents - (held.get(p.paymentId) ?? 0) }));
}
