/** The sales list as CSV (RFC 4180): pure formatting, one row per sale. */

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
] as const;

/**
 * A text cell. A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return,
 * which some strip before looking) as a formula: such text gets a leading apostrophe, which
 * spreadsheets show as text. Then quoted when it holds a comma, quote or line break.
 */
export function csvText(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Integer cents as a decimal with two places ("1234" → "12.34"), with no float in between. */
export function csvAmount(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

const time = (d: Date | null) => (d ? d.toISOString() : "");

export function csvHeaderLine(): string {
  return `${CSV_HEADER.join(",")}\r\n`;
}

export function csvLine(r: SaleCsvRow): string {
  return `${[
    csvText(r.externalReference),
    csvText(r.status),
    csvText(r.orderState),
    csvText(r.storeId),
    csvText(r.posId),
    csvText(r.title),
    csvText(r.description),
    String(r.itemCount),
    csvAmount(r.totalCents),
    csvAmount(r.paidCents),
    csvAmount(r.refundedCents),
    r.merchantOrderId === null ? "" : String(r.merchantOrderId),
    r.merchantOrderStatus === null ? "" : csvText(r.merchantOrderStatus),
    time(r.createdAt),
    time(r.updatedAt),
    time(r.paidAt),
    time(r.cancelledAt),
  ].join(",")}\r\n`;
}
