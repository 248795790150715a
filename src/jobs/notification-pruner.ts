import type { Logger } from "pino";
import type { InboxRepository } from "../notifications/inbox.repository.ts";
import type { Loop } from "./loop.ts";
import { createPruner } from "./pruner.ts";

export interface NotificationPrunerDeps {
  inbox: Pick<InboxRepository, "prune">;
  logger: Logger;
  now: () => Date;
  /** NOTIFICATION_RETENTION_DAYS: worked notifications older than this are deleted */
  retentionDays: number;
  intervalMs?: number;
  batchSize?: number;
  batchesPerTick?: number;
}

/**
 * Retention for the notification inbox: worked rows older than the retention go. A delivery for
 * a deleted resource only makes a new row (one more read), never a lost one.
 */
export function createNotificationPruner(deps: NotificationPrunerDeps): Loop {
  return createPruner({
    name: "notification-pruner",
    deletedMessage: "old notifications deleted",
    prune: (cutoff, limit) => deps.inbox.prune(cutoff, limit),
    logger: deps.logger,
    now: deps.now,
    retentionDays: deps.retentionDays,
    intervalMs: deps.intervalMs ?? 10_000,
    batchSize: deps.batchSize ?? 1000,
    batchesPerTick: deps.batchesPerTick ?? 5,
  });
}
