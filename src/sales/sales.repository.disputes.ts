import type { Db } from "../db/database.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { ObservedPayment } from "../mercadopago/upstream.ts";
import { fromCents } from "./money.ts";
import type { SaleDispute, Sale, SaleEventSource } from "./sale.ts";
import { saleColumns, saleRowsOf, toSale } from "./sale-rows.ts";

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

  /** Keeps a paid sale's payments as read again with their details (after it became paid). */
  async function recordPayments(saleId: string, payments: ObservedPayment[]): Promise<Sale | null> {
    const rows = await saleRows(Prisma.sql`
      UPDATE sales SET payments = ${JSON.stringify(payments)}::jsonb
       WHERE id = ${saleId}::uuid AND status IN ('paid', 'refunded')
      RETURNING ${saleColumns("sales")}`);
    const row = rows[0];
    return row ? toSale(row) : null;
  }

  return { openDispute, updateDispute, recordPayments };
}
