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
     * When Mercado Pago first told us of each sale's order (Orders API), its merchant order or
     * any of its payments (the inbox keeps each resource's first delivery), for many sales in one
     * statement; null for a sale none came for. Answers in the order asked.
     */
    async firstNotifiedAt(sales: readonly NotifiedResources[]): Promise<(Date | null)[]> {
      const index: number[] = [];
      const topics: string[] = [];
      const ids: string[] = [];
      sales.forEach((s, i) => {
        const add = (topic: string, id: string) => {
          index.push(i);
          topics.push(topic);
          ids.push(id);
        };
        if (s.orderId !== null) add("order", s.orderId);
        if (s.merchantOrderId !== null) add("merchant_order", String(s.merchantOrderId));
        for (const p of s.paymentIds) add("payment", String(p));
      });
      const answers: (Date | null)[] = sales.map(() => null);
      if (index.length === 0) return answers;
      const rows = await db.$queryRaw<{ i: number; at: Date }[]>`
        SELECT k.i, min(n.first_received_at) AS at
          FROM unnest(${index}::int[], ${topics}::text[], ${ids}::text[]) AS k(i, topic, resource_id)
          JOIN notifications n ON n.topic = k.topic AND n.resource_id = k.resource_id
         GROUP BY k.i`;
      for (const r of rows) answers[r.i] = r.at;
      return answers;
    },
  };
}

/** The upstream resources of one sale whose notifications may have been received. */
export interface NotifiedResources {
  orderId: string | null;
  merchantOrderId: number | null;
  paymentIds: readonly (number | string)[];
}

export type MetricsRepository = ReturnType<typeof createMetricsRepository>;
