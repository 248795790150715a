import type { Logger } from "pino";
import type { WebhooksOutRetention } from "../webhooks-out/webhooks-out.retention.ts";
import type { Loop } from "./loop.ts";
import { createPruner } from "./pruner.ts";

export interface WebhookPrunerDeps {
  retention: WebhooksOutRetention;
  logger: Logger;
  now: () => Date;
  /** WEBHOOK_RETENTION_DAYS */
  retentionDays: number;
  intervalMs?: number;
  /** events per DELETE (each takes its deliveries and attempts) */
  batchSize?: number;
  batchesPerTick?: number;
}

/**
 * Retention for the outbound events: events older than the retention go with their deliveries
 * and attempts; an event still pending delivery is kept (the retention's prune skips it).
 */
export function createWebhookPruner(deps: WebhookPrunerDeps): Loop {
  return createPruner({
    name: "webhook-pruner",
    deletedMessage: "old outbound events deleted",
    prune: (cutoff, limit) => deps.retention.prune(cutoff, limit),
    logger: deps.logger,
    now: deps.now,
    retentionDays: deps.retentionDays,
    intervalMs: deps.intervalMs ?? 60_000,
    batchSize: deps.batchSize ?? 500,
    batchesPerTick: deps.batchesPerTick ?? 5,
  });
}
