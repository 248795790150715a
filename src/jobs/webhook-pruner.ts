import type { Logger } from "pino";
import type { WebhooksOutRetention } from "../webhooks-out/webhooks-out.retention.ts";
import { createLoop, type Loop } from "./loop.ts";

export interface WebhookPrunerDeps {
  retention: WebhooksOutRetention;
  logger: Logger;
  now: () => Date;
  /** WEBHOOK_RETENTION_DAYS */
  retentionDays: number;
  intervalMs?: number;
  /** events per DELETE (each takes its deliveries and attempts): short statements, short locks */
  batchSize?: number;
  /** DELETEs per tick: a backlog is worked off over several ticks, never in one long burst */
  batchesPerTick?: number;
}

const DAY_MS = 86_400_000;

/**
 * Retention for the outbound events: events older than the retention, with their deliveries and
 * attempts, deleted in bounded batches; an event still pending delivery is kept. Rows are
 * skipped, never waited for, so every replica can run it.
 */
export function createWebhookPruner(deps: WebhookPrunerDeps): Loop {
  const batchSize = deps.batchSize ?? 500;
  const batchesPerTick = deps.batchesPerTick ?? 5;
  const log = deps.logger.child({ component: "webhook-pruner" });
  return createLoop({
    name: "webhook-pruner",
    logger: log,
    intervalMs: deps.intervalMs ?? 60_000,
    async tick() {
      const cutoff = new Date(deps.now().getTime() - deps.retentionDays * DAY_MS);
      let deleted = 0;
      for (let i = 0; i < batchesPerTick; i++) {
        const n = await deps.retention.prune(cutoff, batchSize);
        deleted += n;
        if (n < batchSize) break;
      }
      if (deleted > 0) log.info({ deleted }, "old outbound events deleted");
      return false; // a backlog waits for the next tick: the deletes never hog the database
    },
  });
}
