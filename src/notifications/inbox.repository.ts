import type { Db } from "../db/database.ts";
import type { NotificationTopic } from "../mercadopago/notification.ts";

export interface ClaimedNotification {
  id: bigint;
  topic: NotificationTopic;
  resourceId: string;
  deliveries: number;
  attempts: number;
}

/**
 * The notification inbox: one row per (topic, resource id), however many times Mercado Pago
 * repeats itself. A delivery that arrives after the row was worked re-arms it; a delivery that
 * arrives while it is being worked is noticed at completion (the delivery count moved).
 */
export function createInboxRepository(db: Db) {
  return {
    async record(topic: NotificationTopic, resourceId: string): Promise<void> {
      await db.$executeRaw`
        INSERT INTO notifications (topic, resource_id) VALUES (${topic}, ${BigInt(resourceId)})
        ON CONFLICT (topic, resource_id) DO UPDATE SET
          deliveries = notifications.deliveries + 1,
          last_received_at = now(),
          due_at = CASE WHEN notifications.processed_at IS NULL THEN notifications.due_at ELSE now() END,
          attempts = CASE WHEN notifications.processed_at IS NULL THEN notifications.attempts ELSE 0 END,
          processed_at = NULL`;
    },

    /**
     * Takes up to `limit` due rows for this worker. SKIP LOCKED lets replicas claim side by side;
     * the lease (due_at pushed ahead) hands a row to someone else if this process dies with it.
     */
    async claim(limit: number, leaseMs: number): Promise<ClaimedNotification[]> {
      const rows = await db.$queryRaw<
        {
          id: bigint;
          topic: NotificationTopic;
          resource_id: bigint;
          deliveries: number;
          attempts: number;
        }[]
      >`
        UPDATE notifications SET
          due_at = now() + make_interval(secs => ${leaseMs / 1000}::float8),
          attempts = attempts + 1
        WHERE id IN (
          SELECT id FROM notifications
           WHERE processed_at IS NULL AND due_at <= now()
           ORDER BY due_at
           LIMIT ${limit}
           FOR UPDATE SKIP LOCKED)
        RETURNING id, topic, resource_id, deliveries, attempts`;
      return rows.map((r) => ({
        id: r.id,
        topic: r.topic,
        resourceId: String(r.resource_id),
        deliveries: r.deliveries,
        attempts: r.attempts,
      }));
    },

    /** Marks a row done, unless a new delivery came in meanwhile: then it is due again now. */
    async complete(n: ClaimedNotification): Promise<void> {
      const done = await db.$executeRaw`
        UPDATE notifications SET processed_at = now(), last_error = NULL
         WHERE id = ${n.id} AND deliveries = ${n.deliveries} AND processed_at IS NULL`;
      if (done === 0) {
        await db.$executeRaw`
          UPDATE notifications SET due_at = now() WHERE id = ${n.id} AND processed_at IS NULL`;
      }
    },

    async retryLater(n: ClaimedNotification, error: string, at: Date): Promise<void> {
      await db.$executeRaw`
        UPDATE notifications SET due_at = ${at}, last_error = ${error.slice(0, 500)}
         WHERE id = ${n.id} AND processed_at IS NULL`;
    },

    /** Stops retrying a row that keeps failing; the reconciler still watches its sale. */
    async abandon(n: ClaimedNotification, error: string): Promise<void> {
      await db.$executeRaw`
        UPDATE notifications SET processed_at = now(), last_error = ${error.slice(0, 500)}
         WHERE id = ${n.id} AND processed_at IS NULL`;
    },
  };
}

export type InboxRepository = ReturnType<typeof createInboxRepository>;
