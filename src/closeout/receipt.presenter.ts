import { fromCents } from "../money.ts";
import type { Locale } from "../sites.ts";
import type { Receipt } from "./receipt.ts";

/** The receipt's fields as JSON (`Accept: application/json`): decimals, ISO instants. */
export function presentReceipt(
  r: Receipt,
  meta: { locale: Locale; currency: string; timeZone: string },
) {
  return {
    external_reference: r.externalReference,
    status: r.status,
    locale: meta.locale,
    currency: meta.currency,
    time_zone: meta.timeZone,
    store: r.store,
    pos: r.pos,
    date: r.at.toISOString(),
    items: r.items.map((i) => ({
      title: i.title,
      quantity: i.quantity,
      unit_price: fromCents(i.unitPriceCents),
      total_amount: fromCents(i.totalCents),
    })),
    taxes: r.taxes.map((t) => ({ type: t.type, value: fromCents(t.valueCents) })),
    total_amount: fromCents(r.totalCents),
    paid_amount: fromCents(r.paidCents),
    refunded_amount: fromCents(r.refundedCents),
    payments: r.payments.map((p) => ({
      id: p.id,
      status: p.status,
      amount: fromCents(p.amountCents),
      method: p.method,
      type: p.type,
      installments: p.installments,
      card_last_four: p.cardLastFour,
      authorization_code: p.authorizationCode,
    })),
    refunds: r.refunds.map((x) => ({ amount: fromCents(x.amountCents), at: x.at.toISOString() })),
  };
}

export type ReceiptBody = ReturnType<typeof presentReceipt>;
