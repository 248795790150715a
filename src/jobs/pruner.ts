import type { Logger } from "pino";
import { createLoop, type Loop } from "./loop.ts";

export interface PrunerSpec {
  /** the loop's name, and the component of its log lines */
  name: string;
  /** the log line when rows went: "old notifications deleted" */
  deletedMessage: string;
  /** deletes at most `limit` rows older than `cutoff`, skipping locked ones; answers how many */
  prune(cutoff: Date, limit: number): Promise<number>;
  logger: Logger;
  now: () => Date;
  retentionDays: number;
  intervalMs: number;
  /** rows per DELETE: short statements, short locks */
  batchSize: number;
  /** DELETEs per tick: a backlog is worked off over several ticks, never in one long burst */
  batchesPerTick: number;
}

const DAY_MS = 86_400_000;

/**
 * A retention loop: rows older than the retention are deleted in bounded batches. The table's
 * prune skips rows, never waits for them, so every replica can run it.
 */
export function createPruner(spec: PrunerSpec): Loop {
  const log = spec.logger.child({ component: spec.name });
  return createLoop({
    name: spec.name,
    logger: log,
    intervalMs: spec.intervalMs,
    async tick() {
      const cutoff = new Date(spec.now().getTime() - spec.retentionDays * DAY_MS);
      let deleted = 0;
      for (let i = 0; i < spec.batchesPerTick; i++) {
        const n = await spec.prune(cutoff, spec.batchSize);
        deleted += n;
        if (n < spec.batchSize) break;
      }
      if (deleted > 0) log.info({ deleted }, spec.deletedMessage);
      return false; // a backlog waits for the next tick: the deletes never hog the database
    },
  });
}
