import type { Logger } from "pino";
import { messageOf } from "../errors.ts";

export interface SecretlessDeliveriesDeps {
  /** when the service generated its webhook secret; null when WEBHOOK_SECRET is configured */
  generatedAt: Date | null;
  orderTtlSeconds: number;
  /** makes pending sales created before the moment due for a look-up now */
  checkPendingCreatedBefore(createdBefore: Date): Promise<number>;
  /** runs the reconciler at once */
  wakeReconciler(): void;
  logger: Logger;
  now: () => Date;
  /** at most one look-up request per this many ms, however many deliveries arrive */
  minGapMs?: number;
}

/**
 * Replicas of the previous version may still create orders with the secret-less URL while a
 * rolling deploy replaces them.
 */
const ROLLOUT_MS = 2 * 60_000;
/** the reconciler's final read of an expiring sale may come a little after its expiry */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * What a delivery without any secret does once the service has generated one. Orders created
 * before that carry the old notification_url, so their payment notifies without a secret; such a
 * delivery is never stored or read (anyone can forge one), it only makes the reconciler look up,
 * by external_reference, the pending sales that may hold such an order. That costs one UPDATE
 * per `minGapMs` and one search per such sale, however many deliveries arrive, and stops when
 * those orders can no longer be paid (ORDER_TTL_SECONDS after the secret was generated).
 */
export function createSecretlessDeliveryHandler(deps: SecretlessDeliveriesDeps): () => void {
  const minGapMs = deps.minGapMs ?? 2_000;
  const log = deps.logger.child({ component: "webhooks" });
  if (deps.generatedAt === null) return () => undefined;
  const createdBefore = new Date(deps.generatedAt.getTime() + ROLLOUT_MS);
  const until = createdBefore.getTime() + deps.orderTtlSeconds * 1000 + EXPIRY_MARGIN_MS;
  let lastAt = Number.NEGATIVE_INFINITY;

  return () => {
    const now = deps.now().getTime();
    if (now > until || now - lastAt < minGapMs) return;
    lastAt = now;
    deps
      .checkPendingCreatedBefore(createdBefore)
      .then((n) => {
        if (n > 0) deps.wakeReconciler();
      })
      .catch((err: unknown) => {
        log.warn({ message: messageOf(err) }, "could not schedule look-ups of older sales");
      });
  };
}
