import type { Logger } from "pino";
import type { InboxRepository } from "../notifications/inbox.repository.ts";
import { createLoop, type Loop } from "./loop.ts";

export interface NotificationPrunerDeps {
  inbox: Pick<InboxRepository, "prune">;
  logger: Logger;
  now: () => Date;
  /** NOTIFICATION_RETENTION_DAYS: worked notifications older than this are deleted */
  retentionDays: number;
  intervalMs?: number;
  /** rows per DELETE: short statements, short locks */
  batchSize?: number;
  /** DELETEs per tick: a backlog is worked off over several ticks, never in one long burst */
  batchesPerTick?: number;
}

const DAY_MS = 86_400_000;

/**
 * Retention for the notification inbox: worked rows older than the retention are deleted in
 * bounded batches. Rows are skipped, never waited for, so any number of replicas can run it.
 * A delivery for a deleted resource only makes a new row (one more read), never a lost one.
 */
export function createNotificationPruner(deps: NotificationPrunerDeps): Loop {
  const batchSize = deps.batchSize ?? 1000;
  const batchesPerTick = deps.batchesPerTick ?? 5;
  const log = deps.logger.child({ component: "notification-pruner" });
  return createLoop({
    name: "notification-pruner",
    logger: log,
    intervalMs: deps.intervalMs ?? 10_000,
    async tick() {
      const cutoff = new Date(deps.now().getTime() - deps.retentionDays * DAY_MS);
      let deleted = 0;
      for (let i = 0; i < batchesPerTick; i++) {
        const n = await deps.inbox.prune(cutoff, batchSize);
        deleted += n;
        if (n < batchSize) break;
      }
      if (deleted > 0) log.info({ deleted }, "old notifications deleted");
      return false; // a backlog waits for the next tick: the deletes never hog the database
    },
  });
}
