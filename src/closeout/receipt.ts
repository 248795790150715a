import { centsFromApi } from "../money.ts";
import { translate, type MessageKey } from "../i18n/catalogue.ts";
import { NO_PAYMENT_DETAILS } from "../mercadopago/upstream.ts";
import type { RefundEntry } from "../sales/sale.presenter.ts";
import type { Sale } from "../sales/sale.ts";
import { center, indent, plain, row, rule, type TillLine } from "./till-layout.ts";
import type { TillWords } from "./till-words.ts";

/**
 * A sale's receipt (contract v1.2, "Payments, receipts, the day close"): the model, in integer
 * cents, and its 42-column layout. Pure: the route gathers the sale, its store and POS and its
 * refunds, and chooses the words (language, currency, zone).
 */

/** Payments that took money: approved, or refunded or charged back since (as settlement counts). */
const COLLECTED = new Set(["approved", "refunded", "charged_back"]);

/** Statuses whose sale has a receipt: it was paid (a refunded sale was paid first). */
export const RECEIPT_STATUSES = new Set(["paid", "refunded"]);

export interface ReceiptPayment {
  id: string;
  status: string;
  amountCents: number;
  method: string | null;
  type: string | null;
  installments: number | null;
  cardLastFour: string | null;
  authorizationCode: string | null;
}

export interface Receipt {
  externalReference: string;
  status: string;
  store: { id: string; name: string };
  pos: { id: string; name: string };
  /** when it was paid (else made) */
  at: Date;
  items: { title: string; quantity: number; unitPriceCents: number; totalCents: number }[];
  taxes: { type: string; valueCents: number }[];
  totalCents: number;
  paidCents: number;
  refundedCents: number;
  payments: ReceiptPayment[];
  /** refunds made through this service and given back (in whole or part) */
  refunds: { at: Date; amountCents: number }[];
}

export function buildReceipt(input: {
  sale: Sale;
  storeName: string;
  posName: string;
  refunds: RefundEntry[];
}): Receipt {
  const { sale } = input;
  return {
    externalReference: sale.externalReference,
    status: sale.status,
    store: { id: sale.storeId, name: input.storeName },
    pos: { id: sale.posId, name: input.posName },
    at: sale.paidAt ?? sale.createdAt,
    items: sale.items.map((i) => ({
      title: i.title,
      quantity: i.quantity,
      unitPriceCents: i.unitPriceCents,
      totalCents: i.unitPriceCents * i.quantity,
    })),
    taxes: sale.taxes ?? [],
    totalCents: sale.totalCents,
    paidCents: sale.paidCents,
    refundedCents: sale.refundedCents,
    payments: sale.payments
      .filter((p) => COLLECTED.has(p.status))
      .map((p) => {
        // sales stored before payment details were kept have none: every detail unknown
        const d = p.details ?? NO_PAYMENT_DETAILS;
        return {
          id: String(p.id),
          status: p.status,
          amountCents: centsFromApi(p.amount),
          method: d.method,
          type: d.type,
          installments: d.installments,
          cardLastFour: d.cardLastFour,
          authorizationCode: d.authorizationCode,
        };
      }),
    refunds: input.refunds
      .filter((r) => r.status === "done" && r.refunded_amount > 0)
      .map((r) => ({ at: new Date(r.updated_at), amountCents: centsFromApi(r.refunded_amount) })),
  };
}

const PAYMENT_TYPES = new Set([
  "credit_card",
  "debit_card",
  "prepaid_card",
  "account_money",
  "bank_transfer",
  "digital_currency",
]);

/** "VISA · Credit card", "Mercado Pago balance": the method as Mercado Pago names it, the type in words. */
export function paymentWords(p: ReceiptPayment, w: TillWords): string {
  const type =
    p.type && PAYMENT_TYPES.has(p.type)
      ? translate(w.locale, `payment_type.${p.type}` as MessageKey)
      : p.type;
  // account money and transfers are named by their type alone; a card by its brand too
  const method =
    p.method && p.method !== p.type && p.method !== "account_money" ? p.method.toUpperCase() : null;
  const words = [method, type].filter(Boolean).join(" · ");
  return words || translate(w.locale, "receipt.payment");
}

/** The receipt on a 42-column till roll, in the words `w` speaks. */
export function receiptLines(r: Receipt, w: TillWords): TillLine[] {
  const t = (key: MessageKey, vars: Record<string, string | number> = {}) =>
    translate(w.locale, key, vars);
  const lines: TillLine[] = [
    ...plain(center(r.store.name), true),
    // a POS registered here by its name and id; one known only by its id, as "POS <id>"
    ...plain(
      center(
        r.pos.name === r.pos.id
          ? t("receipt.pos", { pos: r.pos.id })
          : `${r.pos.name} (${r.pos.id})`,
      ),
    ),
    { text: rule() },
    ...plain(row(t("receipt.date"), w.dateTime(r.at))),
    ...plain(row(t("receipt.sale"), r.externalReference)),
    { text: rule() },
  ];
  for (const item of r.items) {
    lines.push(...plain(row(`${item.quantity} x ${item.title}`, w.money(item.totalCents))));
    if (item.quantity > 1) {
      lines.push(...plain(indent(t("receipt.each", { amount: w.money(item.unitPriceCents) }))));
    }
  }
  lines.push({ text: rule() });
  for (const tax of r.taxes) {
    lines.push(...plain(row(t("field.tax", { type: tax.type }), w.money(tax.valueCents))));
  }
  lines.push(...plain(row(t("amount.total").toUpperCase(), w.money(r.totalCents)), true));
  lines.push({ text: rule() });
  for (const p of r.payments) {
    lines.push(...plain(row(paymentWords(p, w), w.money(p.amountCents))));
    if (p.cardLastFour) {
      lines.push(...plain(indent(t("receipt.card", { last_four: p.cardLastFour }))));
    }
    if (p.installments !== null && p.installments > 1) {
      lines.push(...plain(indent(t("receipt.installments", { count: p.installments }))));
    }
    if (p.authorizationCode) {
      lines.push(...plain(indent(t("receipt.authorization", { code: p.authorizationCode }))));
    }
    lines.push(...plain(indent(t("receipt.operation", { id: p.id }))));
  }
  if (r.refundedCents > 0) {
    lines.push({ text: rule() });
    for (const refund of r.refunds) {
      lines.push(
        ...plain(
          row(t("receipt.refund", { date: w.dateTime(refund.at) }), w.money(-refund.amountCents)),
        ),
      );
    }
    lines.push(...plain(row(t("amount.refunded"), w.money(-r.refundedCents)), true));
  }
  lines.push({ text: rule() });
  lines.push(...plain(center(t("receipt.thanks"))));
  lines.push(...plain(center(t("receipt.not_fiscal"))));
  return lines;
}
