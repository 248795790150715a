import type { Db } from "../db/database.ts";
import { Prisma } from "../generated/prisma/client.ts";

export interface EndpointRow {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  createdAt: Date;
  deletedAt: Date | null;
  failingSince: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  /** platform mode: the merchant whose sales alone it hears; null: the platform's */
  merchantId: string | null;
}

export interface AttemptRow {
  at: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

export interface DeliveryRow {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  externalReference: string;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  createdAt: Date;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  attemptsLog: AttemptRow[];
}

/** A delivery claimed by this process: what to send, where, and the attempt it is. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  windowStart: Date;
  endpointId: string;
  url: string;
  secret: string;
  eventId: string;
  eventType: string;
  eventCreatedAt: Date;
  saleRow: unknown;
  /** refund.failed: the refunds row when it failed; else null */
  refundRow: unknown;
}

const endpointSelect = {
  id: true,
  url: true,
  events: true,
  description: true,
  createdAt: true,
  deletedAt: true,
  failingSince: true,
  disabledAt: true,
  disabledReason: true,
  merchantId: true,
} as const;

export function createWebhooksOutRepository(db: Db) {
  async function deliveries(where: Prisma.WebhookDeliveryWhereInput, limit: number) {
    const rows = await db.webhookDelivery.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { eventSeq: "desc" }],
      take: limit,
      include: {
        event: { select: { id: true, type: true, saleRow: true } },
        attemptsLog: { orderBy: { id: "asc" }, take: 50 },
      },
    });
    return rows.map((r): DeliveryRow => ({
      id: r.id,
      endpointId: r.endpointId,
      eventId: r.event.id,
      eventType: r.event.type,
      externalReference: String(
        (r.event.saleRow as { external_reference?: unknown }).external_reference ?? "",
      ),
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.nextAttemptAt,
      deliveredAt: r.deliveredAt,
      createdAt: r.createdAt,
      lastStatusCode: r.lastStatusCode,
      lastLatencyMs: r.lastLatencyMs,
      lastError: r.lastError,
      attemptsLog: r.attemptsLog.map((a) => ({
        at: a.at,
        statusCode: a.statusCode,
        latencyMs: a.latencyMs,
        error: a.error,
      })),
    }));
  }

  return {
    async createEndpoint(input: {
      url: string;
      events: string[];
      description: string | null;
      secret: string;
      merchantId?: string | null;
    }): Promise<EndpointRow> {
      return db.webhookEndpoint.create({ data: input, select: endpointSelect });
    },

    /** Endpoints not deleted, oldest first; given a merchant, only that merchant's. */
    async listEndpoints(merchantId?: string): Promise<EndpointRow[]> {
      return db.webhookEndpoint.findMany({
        where: { deletedAt: null, ...(merchantId === undefined ? {} : { merchantId }) },
        orderBy: { createdAt: "asc" },
        select: endpointSelect,
      });
    },

    /** Any endpoint, deleted ones too (their deliveries stay readable). */
    async findEndpoint(id: string): Promise<EndpointRow | null> {
      return db.webhookEndpoint.findUnique({ where: { id }, select: endpointSelect });
    },

    /** Soft delete: the endpoint gets nothing more; what it was sent stays readable. */
    async deleteEndpoint(id: string, at: Date): Promise<boolean> {
      return db.$transaction(async (tx) => {
        const { count } = await tx.webhookEndpoint.updateMany({
          where: { id, deletedAt: null },
          data: { deletedAt: at },
        });
        if (count > 0) {
          await tx.webhookDelivery.updateMany({
            where: { endpointId: id, status: "pending" },
            data: { status: "failed", lastError: "the endpoint was deleted" },
          });
        }
        return count > 0;
      });
    },

    deliveriesOfEndpoint: (endpointId: string, limit: number) => deliveries({ endpointId }, limit),
    deliveriesOfSale: (saleId: string) => deliveries({ saleId }, 100),
    /** The latest deliveries; given a merchant, only those to that merchant's endpoints. */
    recentDeliveries: (limit: number, merchantId?: string) =>
      deliveries(merchantId === undefined ? {} : { endpoint: { merchantId } }, limit),

    async findDelivery(id: string): Promise<DeliveryRow | null> {
      return (await deliveries({ id }, 1))[0] ?? null;
    },

    /**
     * Puts a delivery back in the queue now, with a fresh retry window; a disabled endpoint is
     * enabled again (the merchant says its system is back). Null: no such delivery;
     * "deleted": its endpoint is gone.
     */
    async retry(id: string, at: Date): Promise<"retried" | "deleted" | null> {
      return db.$transaction(async (tx) => {
        const d = await tx.webhookDelivery.findUnique({
          where: { id },
          select: { endpoint: { select: { id: true, deletedAt: true } } },
        });
        if (!d) return null;
        if (d.endpoint.deletedAt) return "deleted";
        await tx.webhookEndpoint.updateMany({
          where: { id: d.endpoint.id, disabledAt: { not: null } },
          data: { disabledAt: null, disabledReason: null, failingSince: null },
        });
        await tx.webhookDelivery.update({
          where: { id },
          data: { status: "pending", nextAttemptAt: at, windowStart: at },
        });
        return "retried";
      });
    },

    /**
     * Claims due deliveries (SKIP LOCKED: replicas share them). A delivery waits while an earlier
     * event of the same sale for the same endpoint is still pending: in order per sale and
     * endpoint. Pushing next_attempt_at ahead is the lease: a killed process's attempt is due
     * again once it runs out.
     */
    async claim(limit: number, leaseMs: number, exclude: string[]): Promise<ClaimedDelivery[]> {
      const skip = exclude.length > 0 ? exclude : ["00000000-0000-0000-0000-000000000000"];
      const rows = await db.$queryRaw<ClaimedDelivery[]>`
        WITH claimed AS (
          UPDATE webhook_deliveries d SET
            next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}::float8),
            attempts = d.attempts + 1,
            last_attempt_at = now()
          WHERE d.id IN (
            SELECT w.id FROM webhook_deliveries w
              JOIN webhook_endpoints e ON e.id = w.endpoint_id
             WHERE w.status = 'pending' AND w.next_attempt_at <= now()
               AND e.deleted_at IS NULL AND e.disabled_at IS NULL
               AND w.id <> ALL(${skip}::uuid[])
               AND NOT EXISTS (
                 SELECT 1 FROM webhook_deliveries p
                  WHERE p.endpoint_id = w.endpoint_id AND p.sale_id = w.sale_id
                    AND p.status = 'pending' AND p.event_seq < w.event_seq)
             ORDER BY w.next_attempt_at, w.event_seq
             LIMIT ${limit}
             FOR UPDATE OF w SKIP LOCKED)
          RETURNING d.*
        )
        SELECT c.id, c.attempts, c.window_start AS "windowStart", c.endpoint_id AS "endpointId",
               e.url, e.secret, o.id AS "eventId", o.type AS "eventType",
               o.created_at AS "eventCreatedAt", o.sale AS "saleRow", o.refund AS "refundRow"
          FROM claimed c
          JOIN webhook_endpoints e ON e.id = c.endpoint_id
          JOIN outbound_events o ON o.seq = c.event_seq`;
      return rows;
    },

    /**
     * Records an attempt's outcome, only if the delivery is still at that attempt (a lease that
     * ran out and was claimed again is the newer attempt's to record). `nextAt` null after a
     * failure: the retry window is over, the delivery failed. Returns whether it was recorded.
     */
    async recordAttempt(
      d: Pick<ClaimedDelivery, "id" | "attempts" | "endpointId">,
      result: { ok: boolean; statusCode: number | null; latencyMs: number; error: string | null },
      at: Date,
      nextAt: Date | null,
      disableAfterMs: number,
    ): Promise<boolean> {
      return db.$transaction(async (tx) => {
        const status = result.ok ? "succeeded" : nextAt ? "pending" : "failed";
        const { count } = await tx.webhookDelivery.updateMany({
          where: { id: d.id, attempts: d.attempts, status: "pending" },
          data: {
            status,
            lastStatusCode: result.statusCode,
            lastLatencyMs: result.latencyMs,
            lastError: result.error,
            ...(result.ok ? { deliveredAt: at } : nextAt ? { nextAttemptAt: nextAt } : {}),
          },
        });
        if (count === 0) return false;
        await tx.webhookAttempt.create({
          data: {
            deliveryId: d.id,
            at,
            statusCode: result.statusCode,
            latencyMs: result.latencyMs,
            error: result.error,
          },
        });
        if (result.ok) {
          await tx.webhookEndpoint.updateMany({
            where: { id: d.endpointId, failingSince: { not: null } },
            data: { failingSince: null },
          });
        } else {
          await tx.$executeRaw`
            UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, ${at})
             WHERE id = ${d.endpointId}::uuid`;
          const since = new Date(at.getTime() - disableAfterMs);
          await tx.$executeRaw`
            UPDATE webhook_endpoints SET disabled_at = ${at},
                   disabled_reason = 'failing since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
             WHERE id = ${d.endpointId}::uuid AND disabled_at IS NULL
               AND failing_since <= ${since}`;
        }
        return true;
      });
    },

    /** Per endpoint: pending deliveries and the oldest one's age; outcome counts. */
    async queueStats(): Promise<
      { endpointId: string; pending: number; oldestS: number; succeeded: number; failed: number }[]
    > {
      const rows = await db.$queryRaw<
        {
          endpointId: string;
          pending: bigint;
          oldestS: number | null;
          succeeded: bigint;
          failed: bigint;
        }[]
      >`
        SELECT e.id AS "endpointId",
               count(*) FILTER (WHERE d.status = 'pending') AS pending,
               extract(epoch FROM now() - min(d.created_at) FILTER (WHERE d.status = 'pending'))::float8 AS "oldestS",
               count(*) FILTER (WHERE d.status = 'succeeded') AS succeeded,
               count(*) FILTER (WHERE d.status = 'failed') AS failed
          FROM webhook_endpoints e LEFT JOIN webhook_deliveries d ON d.endpoint_id = e.id
         WHERE e.deleted_at IS NULL
         GROUP BY e.id`;
      return rows.map((r) => ({
        endpointId: r.endpointId,
        pending: Number(r.pending),
        oldestS: r.oldestS ?? 0,
        succeeded: Number(r.succeeded),
        failed: Number(r.failed),
      }));
    },
  };
}

export type WebhooksOutRepository = ReturnType<typeof createWebhooksOutRepository>;
