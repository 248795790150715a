// `npm run bench`: the service against a bare Express 5 baseline, measured side by side in one
// run on this machine (see bench/README.md for what each figure means and how it is driven).
// The run itself: the baseline, then the service through each phase of BENCH_PHASES (phases/),
// the report (report.ts) and bench/results.json.
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runBaseline, type HttpFigure } from "./baseline.ts";
import { createRetries, quiet } from "./driver.ts";
import { startFloor } from "./floor.ts";
import { phaseOrders, seedOrders } from "./phases/orders.ts";
import { phaseReconcile, type ReconcileFigure } from "./phases/reconcile.ts";
import { phaseSales, type SalesPhase } from "./phases/sales.ts";
import { phaseSettlement, type SettlementFigure } from "./phases/settlement.ts";
import { phaseWebhooks, webhookOrders, type WebhookRuns } from "./phases/webhooks.ts";
import { memoryOf } from "./proc.ts";
import type { FloorFigures } from "./floor-report.ts";
import { buildReport } from "./report.ts";
import { startService, stopService } from "./service.ts";
import { log, workDir } from "./session.ts";
import {
  CONNECTIONS,
  CPU_PROF,
  DRIVER_CONCURRENCY,
  DURATION_S,
  FLOOR,
  LOG_LEVEL,
  ORDERS,
  PHASES,
  ROOT,
  SALES_POS,
  SIMULATOR,
  WARMUP_S,
} from "./settings.ts";

async function main(): Promise<void> {
  log(`work dir ${workDir} (service and baseline logs${CPU_PROF ? ", CPU profiles" : ""})`);
  const baseline = await runBaseline();

  const service = await startService();
  let orders: HttpFigure | undefined;
  let sales: SalesPhase | undefined;
  let settlement: SettlementFigure | undefined;
  let webhooks: WebhookRuns | undefined;
  let reconcile: ReconcileFigure | undefined;
  let peakRssMb: number;
  let floor: FloorFigures | undefined;
  try {
    const refs = PHASES.has("orders") ? await seedOrders(service) : [];
    if (PHASES.has("orders")) orders = await phaseOrders(service, refs);
    if (PHASES.has("sales")) {
      sales = await phaseSales(service);
      await quiet(service);
    }
    let moIds: number[] = [];
    if (PHASES.has("settle")) {
      const r = await phaseSettlement(service);
      settlement = r.fig;
      moIds = r.moIds;
    }
    if (PHASES.has("webhook")) {
      webhooks = await phaseWebhooks(service, await webhookOrders(service, moIds));
    }
    if (PHASES.has("reconcile")) reconcile = await phaseReconcile(service);
    peakRssMb = memoryOf(service.child.pid).peakMb;
    // the floor, on the same database and simulator once the service is stopped
    const f = FLOOR ? await startFloor(service) : null;
    if (f) {
      try {
        floor = {};
        if (PHASES.has("orders")) floor.orders = await phaseOrders(f, refs);
        if (PHASES.has("sales")) {
          floor.sales = await phaseSales(f);
          await quiet(f);
        }
        if (PHASES.has("settle")) floor.settlement = (await phaseSettlement(f)).fig;
        if (PHASES.has("reconcile")) floor.reconcile = await phaseReconcile(f);
      } finally {
        await f.cleanup();
      }
    } else if (FLOOR)
      log("no floor: the simulator runs inside the service (BENCH_SIMULATOR=inline)");
  } finally {
    await stopService(service);
  }
  const { report, webhook, targets, issue28 } = buildReport({
    baseline,
    orders,
    sales,
    settlement,
    webhooks,
    reconcile,
    peakRssMb,
    floor,
  });
  console.log(report);
  if (createRetries > 0) log(`note: ${createRetries} POST /sales calls of the setup were retried`);

  const results = {
    at: new Date().toISOString(),
    node: process.version,
    cores: os.cpus().length,
    settings: {
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      logLevel: LOG_LEVEL,
      simulator: SIMULATOR,
      orders: ORDERS,
      salesPos: SALES_POS,
      driverConcurrency: DRIVER_CONCURRENCY,
    },
    baseline,
    service: {
      webhook,
      webhookRuns: webhooks?.runs,
      rssAfterWebhookRunsMb: webhooks?.rssAfterMb,
      orders,
      sales,
      settlement,
      reconcile,
      peakRssMb,
    },
    floor,
    targets,
    targetsIssue28: issue28,
    logs: workDir,
  };
  writeFileSync(path.join(ROOT, "bench/results.json"), `${JSON.stringify(results, null, 2)}\n`);
  log("written bench/results.json");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
