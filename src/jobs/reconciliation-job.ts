import type { Logger } from "pino";
import { messageOf } from "../errors.ts";
import { dayOwed } from "../reconciliation/day-due.ts";
import type { ReconciliationRepository } from "../reconciliation/reconciliation.repository.ts";
import type { ReconciliationRun } from "../reconciliation/reconciliation.run.ts";
import { createLoop, type Loop } from "./loop.ts";

export interface ReconciliationJobDeps {
  repo: Pick<ReconciliationRepository, "stores" | "owed">;
  runner: Pick<ReconciliationRun, "run">;
  logger: Logger;
  now: () => Date;
  /** RECONCILE_DAY_AT: the local time after which a store's previous day is run */
  dayAt: string;
  /** the zone of a store without its own */
  defaultTimeZone: string;
  intervalMs?: number;
}

/**
 * Each store's previous day, once, after RECONCILE_DAY_AT in the store's zone; a day whose run
 * was cut short (its process died, its lease ran out) is resumed. Days run one after another, so
 * the background client's limit on calls in flight is shared with the other jobs, never taken.
 * Replicas may all tick: the run's lease lets one work a day.
 */
export function createReconciliationJob(deps: ReconciliationJobDeps): Loop {
  const log = deps.logger.child({ component: "reconciliation-job" });
  return createLoop({
    name: "reconciliation-job",
    logger: log,
    intervalMs: deps.intervalMs ?? 60_000,
    async tick() {
      const now = deps.now();
      const stores = await deps.repo.stores();
      const owed = await deps.repo.owed(
        stores.map((s) => ({
          storeId: s.storeId,
          day: dayOwed(now, s.timeZone ?? deps.defaultTimeZone, deps.dayAt),
        })),
      );
      for (const { storeId, day } of owed) {
        try {
          await deps.runner.run(storeId, day);
        } catch (err) {
          log.warn(
            { storeId, day, message: messageOf(err) },
            "reconciliation run failed; will resume",
          );
        }
      }
      return false;
    },
  });
}
