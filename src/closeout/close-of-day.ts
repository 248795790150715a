import { centsFromApi } from "../money.ts";
import type { ObservedPayment } from "../mercadopago/upstream.ts";
import { SALE_STATUSES, type SaleStatus } from "../sales/sale-status.ts";

/**
 * A store's day closed (contract v1.2, `GET /sales/close`): pure sums over the day's sales, in
 * integer cents. The day's sales are those made between the store's midnights (as the summary and
 * the list count them); their money is counted once they are paid (or paid and since refunded):
 *
 * - gross: the money their payments took (`paid_cents`: approved, and refunded or charged back
 *   since), so it is what Mercado Pago's ledger shows for them;
 * - fee: Mercado Pago's `fee_details`, net: its `net_received_amount`, per payment, where the
 *   read that saw the payment gave them; a payment without them counts fee 0 and net = amount,
 *   and its method is `unknown` (by_method says how much of the day that is);
 * - refunded: what was given back of them (refunds made here or at Mercado Pago, chargebacks);
 *   net is before refunds, as Mercado Pago credits it;
 * - by_method sums to gross: a paid sale whose stored payments show less than it took (stored
 *   before payments were kept) puts the rest under `unknown`;
 * - marketplace fee (platform mode): the platform's share sent with each paid sale's order
 *   (`marketplaceFeeOf`), kept apart from Mercado Pago's fees and not taken from net.
 */

export interface CloseSaleRow {
  externalReference: string;
  posId: string;
  status: SaleStatus;
  totalCents: number;
  paidCents: number;
  refundedCents: number;
  currency: string | null;
  payments: ObservedPayment[];
  /** instore_v2 | orders: the API its order was published on */
  api?: string;
  createdAt: Date;
}

/** A sale of the store with a dispute (a chargeback), of the day or opened on it. */
export interface DisputeRow {
  externalReference: string;
  posId: string;
  createdAt: Date;
  dispute: unknown;
}

export interface Money {
  count: number;
  grossCents: number;
  feeCents: number;
  netCents: number;
  refundedCents: number;
  /** the platform's marketplace fee sent with these sales' orders (platform mode) */
  marketplaceFeeCents: number;
}

export interface DisputeEntry {
  externalReference: string;
  posId: string;
  paymentId: string | null;
  status: string | null;
  amountCents: number;
  openedAt: string | null;
  saleCreatedAt: Date;
}

export interface CloseOfDay extends Money {
  /** every sale of the day, whatever its status (count above: the paid ones) */
  salesCount: number;
  byStatus: Record<SaleStatus, { count: number; totalCents: number }>;
  byMethod: Record<string, { count: number; amountCents: number }>;
  byPos: Record<string, Money>;
  disputes: DisputeEntry[];
}

export const UNKNOWN_METHOD = "unknown";
const SETTLED: ReadonlySet<SaleStatus> = new Set(["paid", "refunded"]);
const COLLECTED = new Set(["approved", "refunded", "charged_back"]);

const zero = (): Money => ({
  count: 0,
  grossCents: 0,
  feeCents: 0,
  netCents: 0,
  refundedCents: 0,
  marketplaceFeeCents: 0,
});

function add(into: Money, m: Money): void {
  into.count += m.count;
  into.grossCents += m.grossCents;
  into.feeCents += m.feeCents;
  into.netCents += m.netCents;
  into.refundedCents += m.refundedCents;
  into.marketplaceFeeCents += m.marketplaceFeeCents;
}

const cents = (v: unknown): number | null =>
  typeof v === "number" && Number.isFinite(v) ? centsFromApi(v) : null;

/** A stored dispute ({ status, amountCents, openedAt, paymentId }), read without trusting it. */
export function disputeOf(row: DisputeRow): DisputeEntry | null {
  const d = row.dispute;
  if (d === null || typeof d !== "object") return null;
  const o = d as Record<string, unknown>;
  const amount = typeof o.amountCents === "number" ? Math.trunc(o.amountCents) : 0;
  const payment = o.paymentId;
  return {
    externalReference: row.externalReference,
    posId: row.posId,
    paymentId: typeof payment === "string" || typeof payment === "number" ? String(payment) : null,
    status: typeof o.status === "string" ? o.status : null,
    amountCents: amount,
    openedAt: typeof o.openedAt === "string" ? o.openedAt : null,
    saleCreatedAt: row.createdAt,
  };
}

/** Whether a dispute belongs to the day: its sale was made that day, or it was opened that day. */
export function disputeOfDay(d: DisputeEntry, day: { start: Date; end: Date }): boolean {
  const inDay = (t: number) => t >= day.start.getTime() && t < day.end.getTime();
  const opened = d.openedAt === null ? NaN : Date.parse(d.openedAt);
  return inDay(d.saleCreatedAt.getTime()) || (!Number.isNaN(opened) && inDay(opened));
}

export function closeOfDay(
  sales: readonly CloseSaleRow[],
  disputed: readonly DisputeRow[],
  day: { start: Date; end: Date },
  /** platform mode: the marketplace fee a sale's order carried (cents); unset: none */
  marketplaceFeeOf?: (sale: CloseSaleRow) => number,
): CloseOfDay {
  const byStatus = Object.fromEntries(
    SALE_STATUSES.map((s) => [s, { count: 0, totalCents: 0 }]),
  ) as CloseOfDay["byStatus"];
  const byMethod: CloseOfDay["byMethod"] = {};
  const byPos: CloseOfDay["byPos"] = {};
  const total = zero();
  const method = (name: string, amountCents: number, count = 1) => {
    const entry = (byMethod[name] ??= { count: 0, amountCents: 0 });
    entry.count += count;
    entry.amountCents += amountCents;
  };
  for (const sale of sales) {
    byStatus[sale.status].count += 1;
    byStatus[sale.status].totalCents += sale.totalCents;
    if (!SETTLED.has(sale.status)) continue;
    const m: Money = {
      ...zero(),
      count: 1,
      refundedCents: sale.refundedCents,
      marketplaceFeeCents: marketplaceFeeOf?.(sale) ?? 0,
    };
    let shown = 0;
    for (const p of sale.payments) {
      if (!COLLECTED.has(p.status)) continue;
      const amount = centsFromApi(p.amount);
      const fee = cents(p.details?.fee) ?? 0;
      const net = cents(p.details?.net) ?? amount - fee;
      shown += amount;
      m.feeCents += fee;
      m.netCents += net;
      method(p.details?.method ?? UNKNOWN_METHOD, amount);
    }
    // what the sale took is what its payments show, or more when older rows lack some
    m.grossCents = Math.max(sale.paidCents, shown);
    if (m.grossCents > shown) {
      method(UNKNOWN_METHOD, m.grossCents - shown, shown === 0 ? 1 : 0);
      m.netCents += m.grossCents - shown;
    }
    add(total, m);
    add((byPos[sale.posId] ??= zero()), m);
  }
  const disputes = disputed
    .map(disputeOf)
    .filter((d): d is DisputeEntry => d !== null && disputeOfDay(d, day))
    .sort((a, b) => a.saleCreatedAt.getTime() - b.saleCreatedAt.getTime());
  return { ...total, salesCount: sales.length, byStatus, byMethod, byPos, disputes };
}
