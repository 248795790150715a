import type { Db } from "../db/database.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Sale as SaleRow } from "../generated/prisma/client.ts";
import type { Sale } from "./sale.ts";
import { saleColumns, storedDispute, toSale } from "./sale-rows.ts";
import { SALE_STATUSES, type SaleStatus } from "./sale-status.ts";
import type { ListPosition } from "./sales-cursor.ts";
import type { SaleCsvRow } from "./sales-csv.ts";

/** Which sales a list or summary covers; `from` inclusive, `to` exclusive, on created_at. */
export interface SaleFilter {
  storeId?: string;
  /** only sales of these stores (a merchant's key: its merchant's); empty matches none */
  storeIds?: readonly string[];
  posId?: string;
  statuses?: readonly SaleStatus[];
  from?: Date;
  to?: Date;
}

/** The day's close-out, in integer cents. */
export interface SalesSummary {
  count: number;
  byStatus: Record<SaleStatus, { count: number; totalCents: number }>;
  /** Σ total_cents of the sales paid or refunded (refunds are not subtracted) */
  paidCents: number;
  /** Σ refunded_cents */
  refundedCents: number;
}

export type CsvBatchRow = SaleCsvRow & ListPosition;

/**
 * The WHERE of a filter, plus the keyset bound: strictly after `after` in newest-first order.
 * Only the filters given appear in the text, so each combination gets the plan of its own index
 * (a `($1 IS NULL OR store_id = $1)` would leave a prepared statement's generic plan with none).
 */
function where(f: SaleFilter, after: ListPosition | null): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (f.storeId !== undefined) parts.push(Prisma.sql`s.store_id = ${f.storeId}`);
  if (f.storeIds !== undefined) {
    parts.push(
      f.storeIds.length
        ? Prisma.sql`s.store_id IN (${Prisma.join(f.storeIds)})`
        : Prisma.sql`FALSE`,
    );
  }
  if (f.posId !== undefined) parts.push(Prisma.sql`s.pos_id = ${f.posId}`);
  if (f.statuses?.length) parts.push(Prisma.sql`s.status IN (${Prisma.join(f.statuses)})`);
  if (f.from) parts.push(Prisma.sql`s.created_at >= ${f.from}::timestamptz`);
  if (f.to) parts.push(Prisma.sql`s.created_at < ${f.to}::timestamptz`);
  // a row comparison, which the (…, created_at DESC, id DESC) indexes take as their scan bound
  if (after) {
    parts.push(
      Prisma.sql`(s.created_at, s.id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`,
    );
  }
  return parts.length ? Prisma.sql`WHERE ${Prisma.join(parts, " AND ")}` : Prisma.empty;
}

interface CsvQueryRow {
  id: string;
  externalReference: string;
  status: string;
  orderState: string;
  storeId: string;
  posId: string;
  title: string;
  description: string;
  itemCount: number;
  totalCents: bigint;
  paidCents: bigint;
  refundedCents: bigint;
  merchantOrderId: bigint | null;
  merchantOrderStatus: string | null;
  createdAt: Date;
  updatedAt: Date;
  paidAt: Date | null;
  cancelledAt: Date | null;
  refundProcessingCents: bigint;
  payments: unknown;
  paymentInProcess: boolean;
  dispute: unknown;
}

interface SummaryQueryRow {
  status: string;
  count: bigint;
  total: bigint;
  refunded: bigint;
}

/** Sums arrive as bigint; past 2^53 cents a number would round, so that is an error, not a total. */
function cents(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("a sum of cents exceeds 2^53");
  return Number(v);
}

export function createSalesListRepository(db: Db) {
  return {
    /** Up to `limit` sales of the filter after `after`, newest first. */
    async page(filter: SaleFilter, after: ListPosition | null, limit: number): Promise<Sale[]> {
      const rows = await db.$queryRaw<SaleRow[]>`
        SELECT ${saleColumns("s")} FROM sales s ${where(filter, after)}
         ORDER BY s.created_at DESC, s.id DESC
         LIMIT ${limit}`;
      return rows.map(toSale);
    },

    /** A batch of CSV rows: only the columns the CSV shows (no items JSON). */
    async csvBatch(
      filter: SaleFilter,
      after: ListPosition | null,
      limit: number,
    ): Promise<CsvBatchRow[]> {
      const rows = await db.$queryRaw<CsvQueryRow[]>`
        SELECT s.id, s.external_reference AS "externalReference", s.status,
               s.order_state AS "orderState", s.store_id AS "storeId", s.pos_id AS "posId",
               s.title, s.description, jsonb_array_length(s.items)::int AS "itemCount",
               s.total_cents AS "totalCents", s.paid_cents AS "paidCents",
               s.refunded_cents AS "refundedCents", s.merchant_order_id AS "merchantOrderId",
               s.merchant_order_status AS "merchantOrderStatus", s.created_at AS "createdAt",
               s.updated_at AS "updatedAt", s.paid_at AS "paidAt", s.cancelled_at AS "cancelledAt",
               (SELECT coalesce(sum(r.amount_cents - r.refunded_cents), 0)::bigint
                  FROM refunds r WHERE r.sale_id = s.id AND r.status = 'processing')
                 AS "refundProcessingCents",
               s.payments, s.payment_in_process AS "paymentInProcess", s.dispute
          FROM sales s ${where(filter, after)}
         ORDER BY s.created_at DESC, s.id DESC
         LIMIT ${limit}`;
      return rows.map((r) => ({
        ...r,
        // the same reading of the JSON columns as a whole sale's
        payments: r.payments as Sale["payments"],
        dispute: storedDispute(r.dispute),
        totalCents: Number(r.totalCents),
        paidCents: Number(r.paidCents),
        refundedCents: Number(r.refundedCents),
        refundProcessingCents: Number(r.refundProcessingCents),
        merchantOrderId: r.merchantOrderId === null ? null : Number(r.merchantOrderId),
      }));
    },

    /** Counts and sums per status in one grouped query, in integer cents. */
    async summary(filter: SaleFilter): Promise<SalesSummary> {
      const rows = await db.$queryRaw<SummaryQueryRow[]>`
        SELECT s.status, count(*)::bigint AS count,
               coalesce(sum(s.total_cents), 0)::bigint AS total,
               coalesce(sum(s.refunded_cents), 0)::bigint AS refunded
          FROM sales s ${where(filter, null)}
         GROUP BY s.status`;
      const byStatus = Object.fromEntries(
        SALE_STATUSES.map((st) => [st, { count: 0, totalCents: 0 }]),
      ) as SalesSummary["byStatus"];
      let count = 0;
      let refundedCents = 0;
      for (const r of rows) {
        const entry = byStatus[r.status as SaleStatus];
        if (!entry) throw new Error(`unknown sale status in the database: ${r.status}`);
        entry.count = Number(r.count);
        entry.totalCents = cents(r.total);
        count += entry.count;
        refundedCents += cents(r.refunded);
      }
      return {
        count,
        byStatus,
        paidCents: byStatus.paid.totalCents + byStatus.refunded.totalCents,
        refundedCents,
      };
    },
  };
}

export type SalesListRepository = ReturnType<typeof createSalesListRepository>;
