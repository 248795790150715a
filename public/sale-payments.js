// A sale's payments as the sale page shows them: id, status, amount and how each was paid
// (method, card, installments, authorization, Mercado Pago's fee, the net and when the money is
// released), a dash where Mercado Pago gave nothing.
import { badge, el } from "./common.js";
import { dateTime, hasMessage, t } from "./i18n.js";

/**
 * How a payment was made, in words: "Credit card visa •••• 4242 3×"; what Mercado Pago did not
 * give is left out, and a payment with no details at all is a dash.
 */
export function methodWords(p) {
  const type =
    p.type && hasMessage("payment_type." + p.type) ? t("payment_type." + p.type) : p.type;
  const parts = [type, p.method];
  if (p.card_last_four) parts.push(t("payment.card", { last_four: p.card_last_four }));
  if (p.installments && p.installments > 1)
    parts.push(t("payment.installments", { count: p.installments }));
  const words = parts.filter(Boolean).join(" ");
  return words || "—";
}

/** The table rows of `payments`; `amount` writes a decimal in the sale's currency. */
export function paymentRows(payments, { amount, zone }) {
  const maybeAmount = (n) => (typeof n === "number" ? amount(n) : "—");
  return payments.map((p) =>
    el(
      "tr",
      {},
      el("td", { "data-label": t("col.payment") }, p.id),
      el("td", { "data-label": t("col.status") }, badge(p.status, "payment_status")),
      el("td", { class: "num", "data-label": t("col.amount") }, amount(p.amount)),
      el("td", { "data-label": t("col.method"), "data-field": "method" }, methodWords(p)),
      el("td", { "data-label": t("col.authorization") }, p.authorization_code || "—"),
      el("td", { class: "num", "data-label": t("col.fee") }, maybeAmount(p.fee_amount)),
      el("td", { class: "num", "data-label": t("col.net") }, maybeAmount(p.net_amount)),
      el(
        "td",
        { "data-label": t("col.release") },
        p.money_release_date ? dateTime(p.money_release_date, zone) : "—",
      ),
    ),
  );
}
