import type { Db } from "../db/database.ts";
import type { ObservedPayment } from "../mercadopago/upstream.ts";
import type { LedgerPayment, RecordedSale } from "./match.ts";

/**
 * The reconciliation's reads: a day's stored ledger, the sales to match it against, the day's
 * standing as the routes show it, and what the daily job owes.
 */

export interface DayView {
  state: "running" | "done";
  checkedAt: Date | null;
  open: {
    kind: string;
    paymentId: string;
    externalReference: string;
    amountCents: bigint | null;
    detail: string;
  }[];
}

interface SaleRow {
  id: string;
  externalReference: string;
  status: string;
  totalCents: bigint;
  paidCents: bigint;
  refundedCents: bigint;
  payments: unknown;
}

const toRecorded = (r: SaleRow): RecordedSale & { id: string } => ({
  id: r.id,
  externalReference: r.externalReference,
  status: r.status,
  totalCents: Number(r.totalCents),
  paidCents: Number(r.paidCents),
  refundedCents: Number(r.refundedCents),
  payments: Array.isArray(r.payments) ? (r.payments as ObservedPayment[]) : [],
});

export function createReconciliationReads(db: Db) {
  async function ledgerOf(storeId: string, day: string): Promise<LedgerPayment[]> {
    const rows = await db.$queryRaw<
      {
        payment_id: string;
        external_reference: string | null;
        status: string;
        amount_cents: bigint;
        refunded_cents: bigint;
      }[]
    >`
      SELECT payment_id, external_reference, status, amount_cents, refunded_cents
        FROM reconciliation_ledger WHERE store_id = ${storeId} AND day = ${day}::date
       ORDER BY payment_id`;
    return rows.map((r) => ({
      id: r.payment_id,
      externalReference: r.external_reference,
      status: r.status,
      amountCents: Number(r.amount_cents),
      refundedCents: Number(r.refunded_cents),
    }));
  }

  /**
   * The sales to match: the store's sales made in [start, end), and the sales of other days a
   * ledger payment names by reference or by payment id (a payment just after midnight).
   */
  async function salesToMatch(
    storeId: string,
    start: Date,
    end: Date,
    ledger: LedgerPayment[],
  ): Promise<{
    daySales: (RecordedSale & { id: string })[];
    otherSales: (RecordedSale & { id: string })[];
  }> {
    const day = await db.$queryRaw<SaleRow[]>`
      SELECT id, external_reference AS "externalReference", status, total_cents AS "totalCents",
             paid_cents AS "paidCents", refunded_cents AS "refundedCents", payments
        FROM sales
       WHERE store_id = ${storeId}
         AND created_at >= ${start}::timestamptz AND created_at < ${end}::timestamptz`;
    const daySales = day.map(toRecorded);
    const refs = new Set(daySales.map((s) => s.externalReference));
    const ids = new Set(daySales.flatMap((s) => s.payments.map((p) => String(p.id))));
    const missingRefs = [
      ...new Set(
        ledger.flatMap((p) =>
          p.externalReference && !refs.has(p.externalReference) ? [p.externalReference] : [],
        ),
      ),
    ];
    const missingIds = ledger
      .filter((p) => !p.externalReference && !ids.has(p.id))
      .map((p) => p.id);
    if (missingRefs.length === 0 && missingIds.length === 0) return { daySales, otherSales: [] };
    const other = await db.$queryRaw<SaleRow[]>`
      SELECT id, external_reference AS "externalReference", status, total_cents AS "totalCents",
             paid_cents AS "paidCents", refunded_cents AS "refundedCents", payments
        FROM sales
       WHERE (created_at < ${start}::timestamptz OR created_at >= ${end}::timestamptz)
         AND (external_reference = ANY(${missingRefs}::text[])
              OR (store_id = ${storeId} AND cardinality(${missingIds}::text[]) > 0
                  AND EXISTS (SELECT 1 FROM jsonb_array_elements(payments) p
                               WHERE p->>'id' = ANY(${missingIds}::text[]))))`;
    return { daySales, otherSales: other.map(toRecorded) };
  }

  async function view(storeId: string, day: string): Promise<DayView | null> {
    const runs = await db.$queryRaw<{ state: "running" | "done"; checked_at: Date | null }[]>`
      SELECT state, checked_at FROM reconciliation_runs
       WHERE store_id = ${storeId} AND day = ${day}::date`;
    const run = runs[0];
    if (!run) return null;
    const open = await db.$queryRaw<DayView["open"]>`
      SELECT kind, payment_id AS "paymentId", external_reference AS "externalReference",
             amount_cents AS "amountCents", detail
        FROM reconciliation_discrepancies
       WHERE store_id = ${storeId} AND day = ${day}::date AND resolved_at IS NULL
       ORDER BY id`;
    return { state: run.state, checkedAt: run.checked_at, open };
  }

  /**
   * Stores whose `day` has no run yet, or whose run was cut short (lease run out), of those
   * given: what the daily job owes.
   */
  async function owed(
    storeDays: { storeId: string; day: string }[],
  ): Promise<{ storeId: string; day: string }[]> {
    if (storeDays.length === 0) return [];
    const stores = storeDays.map((s) => s.storeId);
    const days = storeDays.map((s) => s.day);
    return db.$queryRaw<{ storeId: string; day: string }[]>`
      SELECT q.store_id AS "storeId", q.day AS "day"
        FROM unnest(${stores}::text[], ${days}::text[]) AS q(store_id, day)
        LEFT JOIN reconciliation_runs r ON r.store_id = q.store_id AND r.day = q.day::date
       WHERE r.store_id IS NULL OR (r.state = 'running' AND r.lease_until < now())`;
  }

  async function stores(): Promise<
    { storeId: string; timeZone: string | null; mercadopagoId: string }[]
  > {
    const rows = await db.store.findMany({
      select: { externalId: true, timeZone: true, mercadopagoId: true },
      orderBy: { externalId: "asc" },
    });
    return rows.map((r) => ({
      storeId: r.externalId,
      timeZone: r.timeZone,
      mercadopagoId: r.mercadopagoId,
    }));
  }

  return { ledgerOf, salesToMatch, view, owed, stores };
}
