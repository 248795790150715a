import type { Db } from "../db/database.ts";

/**
 * Retention for the outbox: an event goes with its deliveries and their attempts (the foreign
 * keys cascade) once it is older than the cutoff and none of its deliveries is still pending or
 * was attempted since the cutoff (a manual retry of an old event keeps it a while longer).
 */
export function createWebhooksOutRetention(db: Db) {
  return {
    /**
     * Deletes up to `limit` such events, oldest first, skipping events another statement holds.
     * The pending check is repeated on the locked deliveries, so a delivery put back in the
     * queue while the batch was chosen keeps its event. Returns how many events went.
     */
    async prune(cutoff: Date, limit: number): Promise<number> {
      return db.$executeRaw`
        WITH old AS (
          SELECT o.seq FROM outbound_events o
           WHERE o.created_at < ${cutoff}
             AND NOT EXISTS (
               SELECT 1 FROM webhook_deliveries d
                WHERE d.event_seq = o.seq
                  AND (d.status = 'pending' OR d.last_attempt_at >= ${cutoff}))
           ORDER BY o.created_at
           LIMIT ${limit}
             FOR UPDATE OF o SKIP LOCKED
        ), locked AS (
          -- every delivery of those events is locked, and read as it now is: a retry that put
          -- one back in the queue meanwhile has committed (and keeps its event) or waits
          SELECT d.event_seq, d.status, d.last_attempt_at
            FROM webhook_deliveries d JOIN old ON old.seq = d.event_seq
           ORDER BY d.id
             FOR UPDATE OF d
        )
        DELETE FROM outbound_events o
         USING old
         WHERE o.seq = old.seq
           AND o.seq NOT IN (SELECT event_seq FROM locked
                              WHERE status = 'pending' OR last_attempt_at >= ${cutoff})`;
    },
  };
}

export type WebhooksOutRetention = ReturnType<typeof createWebhooksOutRetention>;
