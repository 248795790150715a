import type { Logger } from "pino";
import type { UrlPolicy } from "../webhooks-out/endpoint-url.ts";
import { eventBody } from "../webhooks-out/event-body.ts";
import { nextAttemptAt } from "../webhooks-out/retry-schedule.ts";
import { send, type SendResult } from "../webhooks-out/sender.ts";
import { signedHeaders } from "../webhooks-out/signature.ts";
import type {
  ClaimedDelivery,
  WebhooksOutRepository,
} from "../webhooks-out/webhooks-out.repository.ts";
import { createLoop } from "./loop.ts";

export interface WebhookDelivererDeps {
  repo: WebhooksOutRepository;
  logger: Logger;
  policy: UrlPolicy;
  config: {
    timeoutMs: number;
    retryBaseMs: number;
    retryForMs: number;
    disableAfterMs: number;
    pollMs: number;
  };
  /** deliveries in flight at once in this process */
  concurrency?: number;
  /** told of each attempt's outcome (metrics) */
  observe?: (outcome: "succeeded" | "retrying" | "failed", endpointId: string) => void;
  now?: () => Date;
}

/**
 * Sends the outbox's deliveries. Each claimed delivery runs on its own (never a batch awaited
 * together), so a receiver that hangs holds one slot for at most the timeout and no other
 * endpoint, sale or settlement waits for it.
 */
export function createWebhookDeliverer(deps: WebhookDelivererDeps) {
  const log = deps.logger.child({ job: "webhook-deliverer" });
  const now = deps.now ?? (() => new Date());
  const concurrency = deps.concurrency ?? 16;
  // outlives any attempt: the timeout bounds it; a killed process's attempt is retried after it
  const leaseMs = deps.config.timeoutMs * 2 + 5_000;
  const inFlight = new Map<string, Promise<void>>();

  async function deliver(d: ClaimedDelivery): Promise<void> {
    let result: SendResult;
    try {
      const body = JSON.stringify(
        eventBody({
          id: d.eventId,
          type: d.eventType,
          createdAt: d.eventCreatedAt,
          saleRow: d.saleRow,
          refundRow: d.refundRow,
        }),
      );
      result = await send(d.url, signedHeaders(d.secret, d.eventId, body, now()), body, {
        timeoutMs: deps.config.timeoutMs,
        policy: deps.policy,
      });
    } catch (err) {
      log.error({ err, delivery: d.id }, "webhook delivery could not be made");
      result = { ok: false, statusCode: null, latencyMs: 0, error: "internal error" };
    }
    const at = now();
    const nextAt = result.ok
      ? null
      : nextAttemptAt({
          attempts: d.attempts,
          windowStart: d.windowStart,
          now: at,
          baseMs: deps.config.retryBaseMs,
          retryForMs: deps.config.retryForMs,
        });
    const recorded = await deps.repo.recordAttempt(
      d,
      result,
      at,
      nextAt,
      deps.config.disableAfterMs,
    );
    if (!recorded) return;
    const outcome = result.ok ? "succeeded" : nextAt ? "retrying" : "failed";
    deps.observe?.(outcome, d.endpointId);
    // the URL's path and query may carry the receiver's own token: only its origin is logged
    const origin = new URL(d.url).origin;
    if (result.ok) {
      log.debug(
        { delivery: d.id, event: d.eventId, origin, latencyMs: result.latencyMs },
        "webhook delivered",
      );
    } else {
      log.info(
        {
          delivery: d.id,
          event: d.eventId,
          origin,
          error: result.error,
          attempt: d.attempts,
          outcome,
        },
        "webhook delivery failed",
      );
    }
  }

  const loop = createLoop({
    name: "webhook-deliverer",
    logger: deps.logger,
    intervalMs: deps.config.pollMs,
    async tick() {
      const room = concurrency - inFlight.size;
      if (room <= 0) return false;
      const claimed = await deps.repo.claim(room, leaseMs, [...inFlight.keys()]);
      for (const d of claimed) {
        const p = deliver(d)
          .catch((err: unknown) => log.error({ err, delivery: d.id }, "webhook delivery failed"))
          .finally(() => {
            inFlight.delete(d.id);
            // its sale's next event may be due now
            loop.wake();
          });
        inFlight.set(d.id, p);
      }
      return claimed.length === room;
    },
  });

  return {
    start: loop.start,
    wake: loop.wake,
    wakeWithin: loop.wakeWithin,
    async stop() {
      await loop.stop();
      await Promise.all(inFlight.values());
    },
    /** one claim and every delivery it started, to the end (tests) */
    async runOnce() {
      await loop.runOnce();
      await Promise.all(inFlight.values());
    },
  };
}

export type WebhookDeliverer = ReturnType<typeof createWebhookDeliverer>;
