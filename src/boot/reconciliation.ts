import type { Logger } from "pino";
import type { ReconciliationOfDay } from "../closeout/reconciliation-port.ts";
import type { Db } from "../db/database.ts";
import { createReconciliationJob } from "../jobs/reconciliation-job.ts";
import type { PaymentCalls } from "../mercadopago/payments.calls.ts";
import { observeDiscrepancy } from "../metrics/reconciliation-metrics.ts";
import { presentReconciliation } from "../reconciliation/reconciliation.presenter.ts";
import { createReconciliationRepository } from "../reconciliation/reconciliation.repository.ts";
import { createReconciliationRun, type RunDeps } from "../reconciliation/reconciliation.run.ts";

/**
 * The day matched against Mercado Pago's ledger: its repository, its run (on the background
 * client given), the daily job, the routes' deps and the close-out's port.
 */
export function buildReconciliation(opts: {
  db: Db;
  mp: Pick<PaymentCalls, "searchPayments">;
  /** platform mode: a store's merchant's client (null: the default merchant's, `mp`) */
  mpFor?: RunDeps["mpFor"];
  logger: Logger;
  leaseMs: number;
  /** the site's zone, for a store without its own */
  defaultTimeZone: string;
  /** RECONCILE_DAY_AT */
  dayAt: string;
  now: () => Date;
  /** a sale was made due for a look: wake the sweeper */
  onRecheck?: () => void;
  /** tests: page size and an injected failure */
  pageSize?: number;
  afterPage?: RunDeps["afterPage"];
}) {
  const repo = createReconciliationRepository(opts.db);
  const runner = createReconciliationRun({
    repo,
    mp: opts.mp,
    ...(opts.mpFor ? { mpFor: opts.mpFor } : {}),
    logger: opts.logger,
    leaseMs: opts.leaseMs,
    async storeOf(storeId) {
      const store = await opts.db.store.findUnique({
        where: { externalId: storeId },
        select: { timeZone: true, mercadopagoId: true, merchantId: true },
      });
      if (!store) return null;
      return {
        timeZone: store.timeZone ?? opts.defaultTimeZone,
        mercadopagoId: store.mercadopagoId,
        merchantId: store.merchantId,
      };
    },
    observe: (d, storeId) => observeDiscrepancy({ kind: d.kind, storeId }),
    ...(opts.onRecheck ? { onRecheck: opts.onRecheck } : {}),
    ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
    ...(opts.afterPage ? { afterPage: opts.afterPage } : {}),
  });
  const job = createReconciliationJob({
    repo,
    runner,
    logger: opts.logger,
    now: opts.now,
    dayAt: opts.dayAt,
    defaultTimeZone: opts.defaultTimeZone,
  });
  const ofDay: ReconciliationOfDay = async (storeId, day) =>
    presentReconciliation(await repo.view(storeId, day));
  const routes = {
    repo,
    runner,
    storeExists: async (id: string) =>
      (await opts.db.store.count({ where: { externalId: id } })) > 0,
  };
  return { repo, runner, job, ofDay, routes };
}

export type Reconciliation = ReturnType<typeof buildReconciliation>;
