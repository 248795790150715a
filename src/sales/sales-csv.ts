import type { SaleDispute, SalePayment } from "./sale.ts";

/** The sales list as CSV (RFC 4180): pure formatting, one row per sale. */

/**
 * Two shapes of the same file. `comma`: comma-separated, decimal point (RFC 4180; spreadsheets
 * set to English). `semicolon`: semicolon-separated with a decimal comma, what a spreadsheet set
 * to Spanish or Portuguese expects when it opens a CSV (its list separator is `;` because `,`
 * is its decimal separator).
 */
export interface CsvFormat {
  separator: "," | ";";
  decimal: "." | ",";
}

export const COMMA_CSV: CsvFormat = { separator: ",", decimal: "." };
export const SEMICOLON_CSV: CsvFormat = { separator: ";", decimal: "," };

export function csvFormat(delimiter: "comma" | "semicolon" | undefined): CsvFormat {
  return delimiter === "semicolon" ? SEMICOLON_CSV : COMMA_CSV;
}

/** UTF-8's byte order mark, first in the file: without it Excel reads UTF-8 as its code page. */
export const CSV_BOM = "\uFEFF";

/** One sale as the CSV shows it; amounts in integer cents, shown as decimals. */
export interface SaleCsvRow {
  externalReference: string;
  status: string;
  orderState: string;
  storeId: string;
  posId: string;
  title: string;
  description: string;
  itemCount: number;
  totalCents: number;
  paidCents: number;
  refundedCents: number;
  merchantOrderId: number | null;
  merchantOrderStatus: string | null;
  createdAt: Date;
  updatedAt: Date;
  paidAt: Date | null;
  cancelledAt: Date | null;
  /** refunds Mercado Pago took and has not made yet: not money back, not in refundedCents */
  refundProcessingCents: number;
  /** the sale's payments with their details (v1.2 columns, after all the older ones) */
  payments: SalePayment[];
  paymentInProcess: boolean;
  dispute: SaleDispute | null;
}

export const CSV_HEADER = [
  "external_reference",
  "status",
  "order_state",
  "store_id",
  "pos_id",
  "title",
  "description",
  "item_count",
  "total_amount",
  "paid_amount",
  "refunded_amount",
  "merchant_order_id",
  "merchant_order_status",
  "created_at",
  "updated_at",
  "paid_at",
  "cancelled_at",
  "refund_processing_amount",
  // v1.2: how the sale was paid (its payments that took money), appended so older readers of
  // the file find every earlier column where it was
  "payment_method",
  "payment_type",
  "installments",
  "card_last_four",
  "authorization_code",
  "fee_amount",
  "net_amount",
  "money_release_date",
  "payment_status_detail",
  "payment_in_process",
  "dispute_status",
  "dispute_amount",
  "dispute_opened_at",
] as const;

/** Payments that took money: the ones whose details tell how the sale was paid. */
const TOOK_MONEY = new Set(["approved", "refunded", "charged_back", "processed"]);

/**
 * The payment columns of a sale: each detail of its payments that took money, the distinct
 * values joined by " | " (a sale paid in two payments shows both), fees and net summed in
 * cents; empty where Mercado Pago gave none.
 */
export function paymentCells(
  payments: readonly SalePayment[],
  amount: (cents: number) => string,
): string[] {
  const took = payments.filter((p) => TOOK_MONEY.has(p.status));
  const each = (pick: (d: NonNullable<SalePayment["details"]>) => string | number | null) =>
    csvText(
      [
        ...new Set(
          took.flatMap((p) => {
            const v = p.details ? pick(p.details) : null;
            return v === null ? [] : [String(v)];
          }),
        ),
      ].join(" | "),
    );
  const sum = (pick: (d: NonNullable<SalePayment["details"]>) => number | null) => {
    const values = took.map((p) => (p.details ? pick(p.details) : null));
    if (values.length === 0 || values.every((v) => v === null)) return "";
    return amount(values.reduce<number>((cents, v) => cents + Math.round((v ?? 0) * 100), 0));
  };
  return [
    each((d) => d.method),
    each((d) => d.type),
    each((d) => d.installments),
    each((d) => d.cardLastFour),
    each((d) => d.authorizationCode),
    sum((d) => d.fee),
    sum((d) => d.net),
    each((d) => d.moneyReleaseDate),
    each((d) => d.statusDetail),
  ];
}

/**
 * A text cell. A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return,
 * which some strip before looking) as a formula: such text gets a leading apostrophe, which
 * spreadsheets show as text. Then quoted when it holds a comma, semicolon, quote or line break
 * (both separators, so a cell reads the same in either format).
 */
export function csvText(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",;\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * Integer cents as a decimal with two places ("1234" → "12.34", or "12,34" with a decimal
 * comma), with no float in between.
 */
export function csvAmount(cents: number, decimal: CsvFormat["decimal"] = "."): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}${decimal}${String(abs % 100).padStart(2, "0")}`;
}

const time = (d: Date | null) => (d ? d.toISOString() : "");

export function csvHeaderLine(format: CsvFormat = COMMA_CSV): string {
  return `${CSV_HEADER.join(format.separator)}\r\n`;
}

export function csvLine(r: SaleCsvRow, format: CsvFormat = COMMA_CSV): string {
  const amount = (cents: number) => csvAmount(cents, format.decimal);
  return `${[
    csvText(r.externalReference),
    csvText(r.status),
    csvText(r.orderState),
    csvText(r.storeId),
    csvText(r.posId),
    csvText(r.title),
    csvText(r.description),
    String(r.itemCount),
    amount(r.totalCents),
    amount(r.paidCents),
    amount(r.refundedCents),
    r.merchantOrderId === null ? "" : String(r.merchantOrderId),
    r.merchantOrderStatus === null ? "" : csvText(r.merchantOrderStatus),
    time(r.createdAt),
    time(r.updatedAt),
    time(r.paidAt),
    time(r.cancelledAt),
    amount(r.refundProcessingCents),
    ...paymentCells(r.payments, amount),
    r.paymentInProcess ? "true" : "false",
    r.dispute ? csvText(r.dispute.status) : "",
    r.dispute ? amount(r.dispute.amountCents) : "",
    r.dispute?.openedAt ? csvText(r.dispute.openedAt) : "",
  ].join(format.separator)}\r\n`;
}
