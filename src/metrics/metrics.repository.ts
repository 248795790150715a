import type { Db } from "../db/database.ts";

/** What a scrape reads from the database: the work waiting for the notification worker and the reconciler. */
export interface Backlog {
  /** notifications not worked yet (due or leased) */
  inboxDepth: number;
  /** seconds the oldest due notification has waited past its due time; 0 when none is due */
  inboxOldestDueSeconds: number;
  /** pending sales whose look at Mercado Pago is due (the reconciler's backlog) */
  reconcilerBacklog: number;
}

/**
 * The database side of the metrics. Each query walks a partial index that holds only the rows
 * that are owed work (notifications_claim_idx, sales_next_check_at_due_idx), so a scrape costs
 * in proportion to the backlog, not to the tables.
 */
export function createMetricsRepository(db: Db) {
  return {
    async backlog(): Promise<Backlog> {
      const rows = await db.$queryRaw<
        { depth: bigint; oldest: number | null; backlog: bigint }[]
      >`SELECT
          (SELECT count(*) FROM notifications WHERE processed_at IS NULL) AS depth,
          (SELECT extract(epoch FROM now() - min(due_at))::float8 FROM notifications
            WHERE processed_at IS NULL AND due_at <= now()) AS oldest,
          (SELECT count(*) FROM sales
            WHERE next_check_at IS NOT NULL AND next_check_at <= now()
              AND status = 'pending') AS backlog`;
      const row = rows[0];
      return {
        inboxDepth: Number(row?.depth ?? 0),
        inboxOldestDueSeconds: Math.max(0, row?.oldest ?? 0),
        reconcilerBacklog: Number(row?.backlog ?? 0),
      };
    },

    /**
     * When Mercado Pago first told us of the sale's order (Orders API), its merchant order or any
     * of its payments (the inbox keeps each resource's first delivery); null when none came.
     */
    async firstNotifiedAt(
      orderId: string | null,
      merchantOrderId: number | null,
      paymentIds: readonly (number | string)[],
    ): Promise<Date | null> {
      if (orderId === null && merchantOrderId === null && paymentIds.length === 0) return null;
      const rows = await db.$queryRaw<{ at: Date | null }[]>`
        SELECT min(first_received_at) AS at FROM notifications
         WHERE (topic = 'order' AND resource_id = ${orderId}::text)
            OR (topic = 'merchant_order' AND resource_id = ${merchantOrderId === null ? null : String(merchantOrderId)}::text)
            OR (topic = 'payment' AND resource_id = ANY(${paymentIds.map(String)}::text[]))`;
      return rows[0]?.at ?? null;
    },
  };
}

export type MetricsRepository = ReturnType<typeof createMetricsRepository>;
