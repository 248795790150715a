import { directPg, type Db } from "../db/database.ts";
import type { Sale, SaleEvent } from "./sale.ts";
import { saleColumnList, toEvent, toSale, type PgSaleRow } from "./sale-rows.ts";

/**
 * The hottest reads, sent through pg itself: through Prisma each costs several times the
 * statement (a lookup by reference answers GET /orders/:ref, every replayable POST /sales and
 * every batch of notifications). One text each whatever the input (an array parameter, not an
 * IN list), so each is prepared once per connection where statements may be named.
 */
const SALE_BY_REFERENCE = `SELECT ${saleColumnList("sales")} FROM sales WHERE external_reference = $1`;
const SALES_BY_REFERENCES = `SELECT ${saleColumnList("sales")} FROM sales WHERE external_reference = ANY($1::text[])`;
/**
 * The same, only among one merchant's sales: a sale's merchant is its POS's store's (a POS not
 * registered here, or a store without one, is the default merchant's: $2 null).
 */
const MERCHANT_SALES_BY_REFERENCES = `SELECT ${saleColumnList("sales")} FROM sales
  WHERE external_reference = ANY($1::text[])
    AND (SELECT st.merchant_id FROM pos p JOIN stores st ON st.external_id = p.store_external_id
          WHERE p.external_id = sales.pos_id) IS NOT DISTINCT FROM $2::uuid`;

/** The sales repository's reads: a sale by reference or id, a POS's current sale, the events. */
export function createSalesReads(db: Db) {
  const direct = directPg(db);

  async function selectSales(name: string, text: string, values: unknown[]): Promise<Sale[]> {
    const result = await direct.pool.query<PgSaleRow>({
      // a name makes Postgres parse and plan the text once per connection
      ...(direct.named ? { name } : {}),
      text,
      values,
    });
    return result.rows.map(toSale);
  }

  async function findByReference(externalReference: string): Promise<Sale | null> {
    const [sale] = await selectSales("sale_by_reference", SALE_BY_REFERENCE, [externalReference]);
    return sale ?? null;
  }

  async function findManyByReference(externalReferences: readonly string[]): Promise<Sale[]> {
    if (externalReferences.length === 0) return [];
    return selectSales("sales_by_references", SALES_BY_REFERENCES, [[...externalReferences]]);
  }

  /** The sales of these references that are `merchantId`'s (null: the default merchant's). */
  async function findManyOfMerchantByReference(
    externalReferences: readonly string[],
    merchantId: string | null,
  ): Promise<Sale[]> {
    if (externalReferences.length === 0) return [];
    return selectSales("merchant_sales_by_references", MERCHANT_SALES_BY_REFERENCES, [
      [...externalReferences],
      merchantId,
    ]);
  }

  async function findById(id: string): Promise<Sale | null> {
    const row = await db.sale.findUnique({ where: { id } });
    return row ? toSale(row) : null;
  }

  /**
   * A POS's current sale: its pending one, else its most recent (index-backed both ways), only
   * among the sales of `storeId` when given.
   */
  async function currentOfPos(posId: string, storeId?: string): Promise<Sale | null> {
    const where = { posId, ...(storeId === undefined ? {} : { storeId }) };
    const row =
      (await db.sale.findFirst({ where: { ...where, status: "pending" } })) ??
      (await db.sale.findFirst({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }));
    return row ? toSale(row) : null;
  }

  /** Whether another sale than `saleId` holds the POS (is pending on it). */
  async function posHeldByAnother(posId: string, saleId: string): Promise<boolean> {
    const n = await db.sale.count({
      where: { posId, status: "pending", id: { not: saleId } },
    });
    return n > 0;
  }

  /** Whether an Orders API order id is one of our sales still pending (unique index on order_id). */
  async function isPendingOrder(orderId: string): Promise<boolean> {
    const n = await db.sale.count({ where: { orderId, status: "pending" } });
    return n > 0;
  }

  async function events(saleId: string): Promise<SaleEvent[]> {
    const rows = await db.saleEvent.findMany({ where: { saleId }, orderBy: { id: "asc" } });
    return rows.map(toEvent);
  }

  return {
    findByReference,
    findManyByReference,
    findManyOfMerchantByReference,
    findById,
    currentOfPos,
    posHeldByAnother,
    isPendingOrder,
    events,
  };
}

export type SalesReads = ReturnType<typeof createSalesReads>;
