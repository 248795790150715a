import type { Db } from "../db/database.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { ObservedPayment } from "../mercadopago/upstream.ts";
import { status } from "../sales/sale-rows.ts";
import type { CloseSaleRow, DisputeRow } from "./close-of-day.ts";

/**
 * The close-out's reads: a store's sales of one day (the columns its sums need, from the
 * (store_id, created_at) index), and the store's disputed sales that may belong to the day.
 * Bounds are timestamptz instants, so the session's zone plays no part.
 */
interface DayRow {
  externalReference: string;
  posId: string;
  status: string;
  totalCents: bigint;
  paidCents: bigint;
  refundedCents: bigint;
  currency: string | null;
  payments: unknown;
  api: string;
  createdAt: Date;
}

interface DisputedRow {
  externalReference: string;
  posId: string;
  createdAt: Date;
  dispute: unknown;
}

export interface DayQuery {
  storeId: string;
  posId?: string;
  start: Date;
  end: Date;
}

export function createCloseoutRepository(db: Db) {
  const pos = (q: DayQuery) =>
    q.posId === undefined ? Prisma.empty : Prisma.sql`AND s.pos_id = ${q.posId}`;
  return {
    async salesOfDay(q: DayQuery): Promise<CloseSaleRow[]> {
      const rows = await db.$queryRaw<DayRow[]>`
        SELECT s.external_reference AS "externalReference", s.pos_id AS "posId", s.status,
               s.total_cents AS "totalCents", s.paid_cents AS "paidCents",
               s.refunded_cents AS "refundedCents", s.currency, s.payments,
               s.mercadopago_api AS "api", s.created_at AS "createdAt"
          FROM sales s
         WHERE s.store_id = ${q.storeId} ${pos(q)}
           AND s.created_at >= ${q.start}::timestamptz AND s.created_at < ${q.end}::timestamptz
         ORDER BY s.created_at, s.id`;
      return rows.map((r) => ({
        externalReference: r.externalReference,
        posId: r.posId,
        status: status(r.status),
        totalCents: Number(r.totalCents),
        paidCents: Number(r.paidCents),
        refundedCents: Number(r.refundedCents),
        currency: r.currency,
        payments: Array.isArray(r.payments) ? (r.payments as ObservedPayment[]) : [],
        api: r.api,
        createdAt: r.createdAt,
      }));
    },

    /** The merchant a store belongs to (platform mode); null: the default merchant, or no store. */
    async merchantOfStore(storeId: string): Promise<string | null> {
      const rows = await db.$queryRaw<{ merchantId: string | null }[]>`
        SELECT merchant_id::text AS "merchantId" FROM stores WHERE external_id = ${storeId}`;
      return rows[0]?.merchantId ?? null;
    },

    /**
     * Disputed sales of the store that may belong to the day: made on it, or changed since it
     * began (a dispute is written when the service learns of it, after it was opened). The
     * partial index on disputed sales keeps this small whatever the store's history.
     */
    async disputesSince(q: DayQuery): Promise<DisputeRow[]> {
      return db.$queryRaw<DisputedRow[]>`
        SELECT s.external_reference AS "externalReference", s.pos_id AS "posId",
               s.created_at AS "createdAt", s.dispute
          FROM sales s
         WHERE s.store_id = ${q.storeId} ${pos(q)} AND s.dispute IS NOT NULL
           AND s.dispute <> 'null'::jsonb
           AND (s.updated_at >= ${q.start}::timestamptz
                OR (s.created_at >= ${q.start}::timestamptz AND s.created_at < ${q.end}::timestamptz))
         ORDER BY s.created_at, s.id
         LIMIT 1000`;
    },
  };
}

export type CloseoutRepository = ReturnType<typeof createCloseoutRepository>;
