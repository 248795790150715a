import type { Db } from "../db/database.ts";
import { groupCommit } from "../db/group-commit.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { ObservedPayment } from "../mercadopago/upstream.ts";
import { fromCents } from "./money.ts";
import type { SaleDispute, Sale, SaleEventSource } from "./sale.ts";
import { saleBatchOf, saleColumnList, saleColumns, saleRowsOf, toSale } from "./sale-rows.ts";

/** The most sales one statement records the payments of. */
const PAYMENTS_BATCH = 64;

/** Each sale's payments with their details, while it is paid or refunded; one text for any size. */
const RECORD_PAYMENTS = `UPDATE sales SET payments = b.payments
  FROM unnest($1::uuid[], $2::jsonb[]) WITH ORDINALITY AS b(id, payments, i)
 WHERE sales.id = b.id AND sales.status IN ('paid', 'refunded')
RETURNING b.i AS "batchIndex", ${saleColumnList("sales")}`;

/**
 * A dispute on a paid sale: the column and its `disputed` history row in one statement, so the
 * outbound `sale.disputed` event (written by the triggers on both, one event per payment) is in
 * the same transaction as the change it announces.
 */
export function createSalesDisputes(db: Db) {
  // recordPayments runs for every settled sale: through pg itself, as the sales writes are
  const saleRows = saleRowsOf(db);
  /**
   * Records the sale's dispute if it is paid and has none, with its payments as the read that
   * paid it now shows them (null: left as they are); null when nothing was written.
   */
  async function openDispute(
    saleId: string,
    dispute: SaleDispute,
    source: SaleEventSource,
    at: Date,
    payments: ObservedPayment[] | null,
  ): Promise<Sale | null> {
    const set = [
      Prisma.sql`dispute = ${JSON.stringify(dispute)}::jsonb`,
      Prisma.sql`updated_at = ${at}`,
    ];
    if (payments) set.push(Prisma.sql`payments = ${JSON.stringify(payments)}::jsonb`);
    const detail = {
      kind: "disputed",
      status: dispute.status,
      amount: fromCents(dispute.amountCents),
      opened_at: dispute.openedAt,
      payment_id: dispute.paymentId,
      ...(dispute.chargebackId ? { chargeback_id: dispute.chargebackId } : {}),
    };
    const rows = await saleRows(Prisma.sql`
      WITH moved AS (
        UPDATE sales SET ${Prisma.join(set, ", ")}
         WHERE id = ${saleId}::uuid AND status = 'paid' AND dispute IS NULL
        RETURNING sales.*
      ), event AS (
        INSERT INTO sale_events (sale_id, from_status, to_status, source, merchant_order_id,
                                 detail, at)
        SELECT id, 'paid', 'paid', ${source}, merchant_order_id, ${JSON.stringify(detail)}::jsonb,
               ${at}
          FROM moved
      )
      SELECT ${saleColumns("moved")} FROM moved`);
    const row = rows[0];
    return row ? toSale(row) : null;
  }

  /**
   * A newer word on the sale's dispute (the chargeback read by id): no history row and no
   * second event (sale.disputed announced its opening); null when the sale's dispute is on
   * another payment, or gone.
   */
  async function updateDispute(
    saleId: string,
    dispute: SaleDispute,
    at: Date,
  ): Promise<Sale | null> {
    const rows = await saleRows(Prisma.sql`
      UPDATE sales SET dispute = ${JSON.stringify(dispute)}::jsonb, updated_at = ${at}
       WHERE id = ${saleId}::uuid AND dispute->>'paymentId' = ${dispute.paymentId}
      RETURNING ${saleColumns("sales")}`);
    const row = rows[0];
    return row ? toSale(row) : null;
  }

  /**
   * Every settled sale's payments are written once more with their details: the sales settled
   * together (one batch of notifications) share one statement (groupCommit). A sale named twice
   * in one batch is written once, with the later call's payments, and both get that row. One
   * statement out at a time: two could commit a sale's payments in the other order.
   */
  const saleBatch = saleBatchOf(db);
  const recordBatch = groupCommit(
    async (
      batch: readonly { saleId: string; payments: ObservedPayment[] }[],
    ): Promise<(Sale | null)[]> => {
      // each sale once, with its last call's payments
      const latest = new Map(batch.map((r) => [r.saleId, r.payments]));
      const written = await saleBatch(
        RECORD_PAYMENTS,
        [[...latest.keys()], [...latest.values()].map((p) => JSON.stringify(p))],
        latest.size,
      );
      const bySale = new Map(written.flatMap((s) => (s ? [[s.id, s] as const] : [])));
      return batch.map((r) => bySale.get(r.saleId) ?? null);
    },
    PAYMENTS_BATCH,
  );

  /** Keeps a paid sale's payments as read again with their details (after it became paid). */
  function recordPayments(saleId: string, payments: ObservedPayment[]): Promise<Sale | null> {
    return recordBatch({ saleId, payments });
  }

  return { openDispute, updateDispute, recordPayments };
}
