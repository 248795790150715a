import { directPg, type Db } from "../db/database.ts";
import type { NotificationTopic } from "../mercadopago/notification.ts";

export interface ClaimedNotification {
  id: bigint;
  topic: NotificationTopic;
  resourceId: string;
  deliveries: number;
  attempts: number;
  /** the merchant whose token reads it (platform mode); null: the default merchant */
  merchantId: string | null;
}

/**
 * Claim order, lowest first. A resource that can still settle a pending sale is worked before
 * one whose last read found nothing, and both before a re-read of a resource whose sale is
 * settled or not ours, so replays for old sales never delay a cashier's.
 */
export const NOTIFICATION_PRIORITY = {
  /** never worked, or its sale was pending at the last read */
  open: 0,
  /** the last read found nothing (Mercado Pago may not show a new resource yet) */
  unknown: 1,
  /** its sale was settled or not ours at the last read */
  settled: 2,
} as const;
export type NotificationPriority =
  (typeof NOTIFICATION_PRIORITY)[keyof typeof NOTIFICATION_PRIORITY];

export interface WorkedNotification extends Pick<ClaimedNotification, "id" | "deliveries"> {
  /** how long a new delivery for this resource waits before it is read again */
  quietMs: number;
  /** where a new delivery for this resource queues (NOTIFICATION_PRIORITY) */
  priority: NotificationPriority;
  /** the sale the read led to; null: none (an earlier link is kept) */
  saleId?: string | null;
  /** what the read found: not_found, not_ours, or the sale's status after it */
  outcome?: string;
}

type LockKey = { topic: NotificationTopic; resourceId: string; merchantId: string | null };

/**
 * The order in which statements lock several notification rows: topic, then resource id, both
 * compared as bytes (JavaScript's `<` on ASCII ids is the "C" collation the SQL side sorts by),
 * then the merchant (lower-case uuids compare as Postgres orders uuids; null, the default
 * merchant, last, as ORDER BY puts nulls).
 */
function byLockOrder(a: LockKey, b: LockKey): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.resourceId !== b.resourceId) return a.resourceId < b.resourceId ? -1 : 1;
  if (a.merchantId === b.merchantId) return 0;
  if (a.merchantId === null) return 1;
  if (b.merchantId === null) return -1;
  return a.merchantId < b.merchantId ? -1 : 1;
}

/** Most deliveries written by one statement. */
const MAX_BATCH = 500;
/** Statements writing deliveries at once; more deliveries wait for the next batch. */
const MAX_FLUSHES = 4;

/**
 * The delivery upsert, the statement every webhook costs: sent through pg itself (through Prisma
 * each costs several times the statement), one text whatever the batch's size (arrays, not a
 * VALUES list), so it is planned once per connection where statements may be named. The rows go
 * in the arrays' order (WITH ORDINALITY), the lock order the caller sorted them in.
 */
const RECORD_DELIVERIES = `
  INSERT INTO notifications (topic, resource_id, deliveries, signature_valid, merchant_id)
  SELECT r.topic, r.resource_id, r.n, r.signature_valid, r.merchant_id
    FROM unnest($1::text[], $2::text[], $3::int[], $4::boolean[], $5::uuid[])
         WITH ORDINALITY AS r(topic, resource_id, n, signature_valid, merchant_id, ord)
   ORDER BY r.ord
  ON CONFLICT (topic, resource_id, merchant_id) DO UPDATE SET
    deliveries = notifications.deliveries + EXCLUDED.deliveries,
    signature_valid = EXCLUDED.signature_valid,
    last_received_at = now(),
    due_at = CASE WHEN notifications.processed_at IS NULL THEN notifications.due_at
                  ELSE greatest(now(), notifications.quiet_until) END,
    attempts = CASE WHEN notifications.processed_at IS NULL THEN notifications.attempts ELSE 0 END,
    processed_at = NULL`;

interface Pending {
  key: string;
  topic: NotificationTopic;
  resourceId: string;
  signatureValid: boolean | null;
  merchantId: string | null;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The notification inbox: one row per (topic, resource id, merchant), however many times Mercado
 * Pago repeats itself. A delivery that arrives after the row was worked re-arms it; a delivery that
 * arrives while it is being worked is noticed at completion (the delivery count moved).
 */
export function createInboxRepository(db: Db) {
  const direct = directPg(db);
  let queue: Pending[] = [];
  let flushing = 0;

  /**
   * Deliveries that arrive together are written by one upsert (one commit for many webhooks);
   * each caller's promise settles only when the statement holding its delivery has committed.
   */
  function flush(): void {
    while (queue.length > 0 && flushing < MAX_FLUSHES) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      flushing++;
      void write(batch).finally(() => {
        flushing--;
        flush();
      });
    }
  }

  async function write(batch: Pending[]): Promise<void> {
    // one row per resource, its delivery count added at once; sorted by (topic, resource id),
    // the order every statement that locks several rows uses, so two of them never deadlock
    // the row keeps what the last delivery's x-signature said
    const counts = new Map<string, LockKey & { n: number; signatureValid: boolean | null }>();
    for (const p of batch) {
      const row = counts.get(p.key);
      if (row) {
        row.n++;
        row.signatureValid = p.signatureValid;
      } else {
        counts.set(p.key, { ...p, n: 1 });
      }
    }
    const rows = [...counts.entries()].sort(([, a], [, b]) => byLockOrder(a, b));
    try {
      await direct.pool.query({
        ...(direct.named ? { name: "record_deliveries" } : {}),
        text: RECORD_DELIVERIES,
        values: [
          rows.map(([, r]) => r.topic),
          rows.map(([, r]) => r.resourceId),
          rows.map(([, r]) => r.n),
          rows.map(([, r]) => r.signatureValid),
          rows.map(([, r]) => r.merchantId),
        ],
      });
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  return {
    record(
      topic: NotificationTopic,
      resourceId: string,
      signatureValid: boolean | null = null,
      /** the merchant whose token reads it; null: the default merchant */
      merchantId: string | null = null,
    ): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        queue.push({
          key: `${topic}:${resourceId}:${merchantId ?? ""}`,
          topic,
          resourceId,
          signatureValid,
          merchantId,
          resolve,
          reject,
        });
        flush();
      });
    },

    /**
     * Takes up to `limit` due rows for this worker. SKIP LOCKED lets replicas claim side by side;
     * the lease (due_at pushed ahead) hands a row to someone else if this process dies with it.
     *
     * Fair across merchants: within each priority, merchants take turns (each one's first due
     * row, then each one's second …), so a merchant's flood of notifications (or its backlog
     * while its token fails) never holds back another merchant's. The merchants with work are
     * found by skipping through the claim index (one probe each, whatever the backlog), and at
     * most `limit` rows of each are looked at. `skip`: merchants whose rows this process is
     * working already (null: the default merchant); their rows wait for the next claim.
     */
    async claim(
      limit: number,
      leaseMs: number,
      skip: readonly (string | null)[] = [],
    ): Promise<ClaimedNotification[]> {
      const skipDefault = skip.includes(null);
      const skipMerchants = skip.filter((m): m is string => m !== null);
      const rows = await db.$queryRaw<
        {
          id: bigint;
          topic: NotificationTopic;
          resource_id: string;
          deliveries: number;
          attempts: number;
          merchant_id: string | null;
        }[]
      >`
        WITH RECURSIVE sellers AS (
          (SELECT merchant_id FROM notifications
            WHERE processed_at IS NULL AND merchant_id IS NOT NULL
            ORDER BY merchant_id LIMIT 1)
          UNION ALL
          SELECT (SELECT n.merchant_id FROM notifications n
                   WHERE n.processed_at IS NULL AND n.merchant_id > s.merchant_id
                   ORDER BY n.merchant_id LIMIT 1)
            FROM sellers s WHERE s.merchant_id IS NOT NULL
        ), heads AS (
          SELECT top.* FROM sellers s CROSS JOIN LATERAL (
            SELECT n.id, n.merchant_id, n.priority, n.due_at FROM notifications n
             WHERE n.processed_at IS NULL AND n.due_at <= now() AND n.merchant_id = s.merchant_id
             ORDER BY n.priority, n.due_at
             LIMIT ${limit}) top
           WHERE s.merchant_id IS NOT NULL AND NOT (s.merchant_id = ANY(${skipMerchants}::uuid[]))
          UNION ALL
          (SELECT n.id, n.merchant_id, n.priority, n.due_at FROM notifications n
            WHERE n.processed_at IS NULL AND n.due_at <= now() AND n.merchant_id IS NULL
              AND NOT ${skipDefault}::boolean
            ORDER BY n.priority, n.due_at
            LIMIT ${limit})
        ), ranked AS (
          SELECT id, priority, due_at,
                 row_number() OVER (PARTITION BY merchant_id, priority ORDER BY due_at) AS turn
            FROM heads
        )
        UPDATE notifications SET
          due_at = now() + make_interval(secs => ${leaseMs / 1000}::float8),
          attempts = attempts + 1
        WHERE id IN (
          SELECT n.id FROM notifications n JOIN ranked r ON r.id = n.id
           WHERE n.processed_at IS NULL AND n.due_at <= now()
           ORDER BY r.priority, r.turn, r.due_at
           LIMIT ${limit}
           FOR UPDATE OF n SKIP LOCKED)
        RETURNING id, topic, resource_id, deliveries, attempts, merchant_id`;
      return rows.map((r) => ({
        id: r.id,
        topic: r.topic,
        resourceId: r.resource_id,
        deliveries: r.deliveries,
        attempts: r.attempts,
        merchantId: r.merchant_id,
      }));
    },

    /**
     * Marks worked rows done in one statement. A row that got a new delivery while it was being
     * worked (its count moved) is due again instead, once its quiet period has passed; a later
     * delivery re-arms a done row for the same moment (see `record`).
     */
    async complete(rows: readonly WorkedNotification[]): Promise<void> {
      if (rows.length === 0) return;
      // rows are locked in (topic, resource id, merchant) order first, as the delivery upsert
      // locks them
      await db.$executeRaw`
        WITH w AS (
          SELECT * FROM unnest(${rows.map((r) => r.id)}::bigint[],
                               ${rows.map((r) => r.deliveries)}::int[],
                               ${rows.map((r) => r.quietMs)}::int[],
                               ${rows.map((r) => r.priority)}::smallint[],
                               ${rows.map((r) => r.saleId ?? null)}::uuid[],
                               ${rows.map((r) => r.outcome ?? null)}::text[])
                 AS w(id, deliveries, quiet_ms, priority, sale_id, outcome)
        ), locked AS (
          SELECT n.id FROM notifications n JOIN w ON w.id = n.id
           WHERE n.processed_at IS NULL
           ORDER BY n.topic, n.resource_id COLLATE "C", n.merchant_id
             FOR UPDATE OF n
        )
        UPDATE notifications AS n SET
          processed_at = CASE WHEN n.deliveries = w.deliveries THEN now() END,
          quiet_until = now() + make_interval(secs => w.quiet_ms / 1000.0),
          priority = w.priority,
          sale_id = coalesce(w.sale_id, n.sale_id),
          read_outcome = coalesce(w.outcome, n.read_outcome),
          due_at = CASE WHEN n.deliveries = w.deliveries THEN n.due_at
                        ELSE now() + make_interval(secs => w.quiet_ms / 1000.0) END,
          last_error = NULL
          FROM w JOIN locked ON locked.id = w.id
         WHERE n.id = w.id`;
    },

    async retryLater(n: ClaimedNotification, error: string, at: Date): Promise<void> {
      await db.$executeRaw`
        UPDATE notifications SET due_at = ${at}, last_error = ${error.slice(0, 500)}
         WHERE id = ${n.id} AND processed_at IS NULL`;
    },

    /**
     * Deletes up to `limit` rows worked before `cutoff`, skipping rows another statement holds
     * (a delivery re-arming one keeps it). Returns how many went.
     */
    async prune(cutoff: Date, limit: number): Promise<number> {
      return db.$executeRaw`
        DELETE FROM notifications
         WHERE id IN (SELECT id FROM notifications
                       WHERE processed_at < ${cutoff}
                       LIMIT ${limit}
                         FOR UPDATE SKIP LOCKED)
           AND processed_at < ${cutoff}`;
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
