import { translate, type MessageKey } from "../i18n/catalogue.ts";
import { fromCents } from "../money.ts";
import { csvAmount, csvText, type CsvFormat } from "../sales/sales-csv.ts";
import { SALE_STATUSES } from "../sales/sale-status.ts";
import type { CloseOfDay, Money } from "./close-of-day.ts";
import type { ReconciliationView } from "./reconciliation-port.ts";
import { center, plain, row, rule, wrap, type TillLine } from "./till-layout.ts";
import type { TillWords } from "./till-words.ts";

/** What the close-out is of: the store's day and, when asked, one POS of it. */
export interface CloseScope {
  storeId: string;
  storeName: string;
  date: string;
  timeZone: string;
  posId: string | null;
  currency: string;
  start: Date;
  end: Date;
  /** platform mode: MP_MARKETPLACE_FEE_PERCENT when the day's store is a merchant's; else null */
  marketplaceFeePercent?: number | null;
}

const money = (m: Money) => ({
  count: m.count,
  amount: fromCents(m.grossCents),
  fee_amount: fromCents(m.feeCents),
  net_amount: fromCents(m.netCents),
  refunded_amount: fromCents(m.refundedCents),
});

/** The JSON answer of `GET /sales/close`: decimals at the edge, cents inside. */
export function presentClose(c: CloseOfDay, s: CloseScope, reconciliation: ReconciliationView) {
  return {
    store_id: s.storeId,
    date: s.date,
    time_zone: s.timeZone,
    pos_id: s.posId,
    currency: s.currency,
    from: s.start.toISOString(),
    to: s.end.toISOString(),
    count: c.salesCount,
    paid_count: c.count,
    gross_amount: fromCents(c.grossCents),
    fee_amount: fromCents(c.feeCents),
    net_amount: fromCents(c.netCents),
    refunded_amount: fromCents(c.refundedCents),
    // the platform's share sent with merchants' orders; apart from Mercado Pago's fee_amount
    marketplace_fee_percent: s.marketplaceFeePercent ?? null,
    marketplace_fee_amount: fromCents(c.marketplaceFeeCents),
    by_status: Object.fromEntries(
      SALE_STATUSES.map((st) => [
        st,
        { count: c.byStatus[st].count, amount: fromCents(c.byStatus[st].totalCents) },
      ]),
    ),
    by_method: Object.fromEntries(
      Object.entries(c.byMethod).map(([k, v]) => [
        k,
        { count: v.count, amount: fromCents(v.amountCents) },
      ]),
    ),
    by_pos: Object.fromEntries(Object.entries(c.byPos).map(([k, v]) => [k, money(v)])),
    disputes: c.disputes.map((d) => ({
      external_reference: d.externalReference,
      pos_id: d.posId,
      payment_id: d.paymentId,
      status: d.status,
      amount: fromCents(d.amountCents),
      opened_at: d.openedAt,
      sale_created_at: d.saleCreatedAt.toISOString(),
    })),
    reconciliation,
  };
}

export type CloseBody = ReturnType<typeof presentClose>;

export const CLOSE_CSV_HEADER = [
  "section",
  "key",
  "count",
  "amount",
  "fee_amount",
  "net_amount",
  "refunded_amount",
  "detail",
] as const;

/**
 * The same day as CSV, one figure per line: `section` says which part of the close-out a line
 * is (day, total, status, method, pos, dispute, reconciliation), `key` which entry of it.
 * Amounts as the sales CSV writes them (two decimals, the format's separator and decimal mark).
 */
export function closeCsv(b: CloseBody, format: CsvFormat): string {
  const a = (n: number | null | undefined) =>
    n === null || n === undefined ? "" : csvAmount(Math.round(n * 100), format.decimal);
  const line = (cells: string[]) => `${cells.join(format.separator)}\r\n`;
  const out = [line([...CLOSE_CSV_HEADER])];
  const push = (
    section: string,
    key: string,
    count: number | null,
    amounts: (number | null)[],
    detail = "",
  ) => {
    const [amount, fee, net, refunded] = [0, 1, 2, 3].map((i) => a(amounts[i]));
    out.push(
      line([
        section,
        csvText(key),
        count === null ? "" : String(count),
        amount!,
        fee!,
        net!,
        refunded!,
        csvText(detail),
      ]),
    );
  };
  push(
    "day",
    b.store_id,
    null,
    [],
    `${b.date} ${b.time_zone} ${b.currency}${b.pos_id ? ` ${b.pos_id}` : ""}`,
  );
  push("total", "sales", b.count, []);
  push("total", "paid", b.paid_count, [
    b.gross_amount,
    b.fee_amount,
    b.net_amount,
    b.refunded_amount,
  ]);
  if (b.marketplace_fee_percent !== null) {
    push(
      "total",
      "marketplace_fee",
      b.paid_count,
      [b.marketplace_fee_amount],
      `${b.marketplace_fee_percent}%`,
    );
  }
  for (const [k, v] of Object.entries(b.by_status)) push("status", k, v.count, [v.amount]);
  for (const [k, v] of Object.entries(b.by_method)) push("method", k, v.count, [v.amount]);
  for (const [k, v] of Object.entries(b.by_pos)) {
    push("pos", k, v.count, [v.amount, v.fee_amount, v.net_amount, v.refunded_amount]);
  }
  for (const d of b.disputes) {
    push(
      "dispute",
      d.external_reference,
      1,
      [d.amount],
      [d.status, d.payment_id, d.opened_at].filter(Boolean).join(" "),
    );
  }
  push("reconciliation", b.reconciliation.status, b.reconciliation.discrepancies.length, []);
  for (const x of b.reconciliation.discrepancies) {
    push(
      "discrepancy",
      x.kind,
      null,
      [x.amount ?? null],
      [x.external_reference, x.payment_id, x.detail].filter(Boolean).join(" "),
    );
  }
  return out.join("");
}

/** The close-out as a till strip (the PDF, printed on the same 80 mm roll as the receipts). */
export function closeLines(b: CloseBody, storeName: string, w: TillWords): TillLine[] {
  const t = (key: MessageKey, vars: Record<string, string | number> = {}) =>
    translate(w.locale, key, vars);
  const cents = (n: number) => Math.round(n * 100);
  const m = (n: number) => w.money(cents(n));
  const section = (key: MessageKey): TillLine[] => [{ text: rule() }, { text: t(key), bold: true }];
  const lines: TillLine[] = [
    ...plain(center(t("close.title")), true),
    ...plain(center(`${storeName} (${b.store_id})`)),
    ...plain(center(`${w.date(new Date(b.from))} · ${b.time_zone}`)),
    ...plain(center(b.pos_id ? t("receipt.pos", { pos: b.pos_id }) : t("filter.all_pos"))),
    { text: rule() },
    ...plain(row(t("summary.count"), String(b.count))),
    ...plain(row(t("close.gross"), m(b.gross_amount)), true),
    ...plain(row(t("close.fees"), m(-b.fee_amount))),
    ...plain(row(t("close.net"), m(b.net_amount)), true),
    ...plain(row(t("amount.refunded"), m(-b.refunded_amount))),
    // platform mode: the platform's share, apart from Mercado Pago's fees and not taken from net
    ...(b.marketplace_fee_percent === null
      ? []
      : plain(
          row(
            t("close.marketplace_fee", { percent: b.marketplace_fee_percent }),
            m(b.marketplace_fee_amount),
          ),
        )),
    ...section("close.by_status"),
  ];
  for (const [k, v] of Object.entries(b.by_status)) {
    if (v.count === 0) continue;
    lines.push(...plain(row(`${t(`sale_status.${k}` as MessageKey)} (${v.count})`, m(v.amount))));
  }
  lines.push(...section("close.by_method"));
  for (const [k, v] of Object.entries(b.by_method)) {
    const name = k === "unknown" ? t("close.method_unknown") : k.toUpperCase();
    lines.push(...plain(row(`${name} (${v.count})`, m(v.amount))));
  }
  lines.push(...section("close.by_pos"));
  for (const [k, v] of Object.entries(b.by_pos)) {
    lines.push(...plain(row(`${k} (${v.count})`, m(v.amount))));
    lines.push(...plain(row(`  ${t("close.net")}`, m(v.net_amount))));
  }
  lines.push(...section("close.disputes"));
  if (b.disputes.length === 0) lines.push(...plain(wrap(t("close.no_disputes"))));
  for (const d of b.disputes) lines.push(...plain(row(d.external_reference, m(d.amount))));
  lines.push(...section("close.reconciliation"));
  const r = b.reconciliation;
  lines.push(
    ...plain(
      wrap(
        r.status === "discrepancies"
          ? t("close.reconciliation_discrepancies", { count: r.discrepancies.length })
          : t(
              r.status === "matched"
                ? "close.reconciliation_matched"
                : "close.reconciliation_pending",
            ),
      ),
    ),
  );
  for (const x of r.discrepancies) {
    lines.push(...plain(wrap(`- ${x.kind} ${x.external_reference ?? x.payment_id ?? ""}`)));
  }
  return lines;
}
