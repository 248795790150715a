// The report of a run: the tables printed at the end and the targets each figure is held to.
import os from "node:os";
import type { HttpFigure } from "./baseline.ts";
import type { ReconcileFigure } from "./phases/reconcile.ts";
import type { SalesPhase } from "./phases/sales.ts";
import type { SettlementFigure } from "./phases/settlement.ts";
import type { WebhookRuns } from "./phases/webhooks.ts";
import { floorReport, type FloorFigures } from "./floor-report.ts";
import { f0, f1, f3, median, pct, table, type Target } from "./format.ts";
import {
  CONNECTIONS,
  DURATION_S,
  LOG_LEVEL,
  PHASE_TIMEOUT_MS,
  SIMULATOR,
  WARMUP_S,
} from "./settings.ts";

/** What a run measured; a phase that was not run is undefined. */
export interface Figures {
  baseline: { get: HttpFigure; post: HttpFigure };
  orders?: HttpFigure;
  sales?: SalesPhase;
  settlement?: SettlementFigure;
  webhooks?: WebhookRuns;
  reconcile?: ReconcileFigure;
  peakRssMb: number;
  /** the floor's figures of the same run (none: not run) */
  floor?: FloorFigures;
}

/**
 * The report's text, the webhook figure it shows (the median of the runs) and the targets; sets
 * each HTTP figure's ratio to the baseline figure it is compared with.
 */
export function buildReport(figures: Figures) {
  const { baseline, orders, sales, settlement, webhooks, reconcile, peakRssMb, floor } = figures;
  const ratioTo = (fig: HttpFigure) =>
    (fig.ratio = fig.reqPerSec / (fig.against === "get" ? baseline.get : baseline.post).reqPerSec);

  // the webhook figure is the median run of the three (by req/s)
  let webhook: HttpFigure | undefined;
  if (webhooks) {
    const mid = median(webhooks.runs.map((r) => r.reqPerSec));
    const chosen = webhooks.runs.find((r) => r.reqPerSec === mid) ?? webhooks.runs[0];
    if (chosen) webhook = { ...chosen, name: "webhook ack (median of 3 runs)" };
  }
  const httpRows = [
    baseline.get,
    baseline.post,
    ...(webhook ? [webhook] : []),
    ...(orders ? [orders] : []),
    ...(sales ? [sales.figure] : []),
  ];
  for (const fig of httpRows) if (fig.against) ratioTo(fig);
  for (const fig of webhooks?.runs ?? []) ratioTo(fig);

  const rows = [
    ["figure", "req/s", "p50 ms", "p99 ms", "errors", "vs baseline"],
    ...httpRows.map((f) => [
      f.name,
      f0(f.reqPerSec),
      f1(f.p50Ms),
      f1(f.p99Ms),
      String(f.errors),
      f.against ? `${pct(f.ratio)} of ${f.against.toUpperCase()}` : "ceiling",
    ]),
  ];
  const other: string[][] = [["figure", "value"]];
  if (settlement) {
    other.push([
      `settlement of ${settlement.sales} notified sales`,
      settlement.seconds === null
        ? `not done in ${PHASE_TIMEOUT_MS / 1000} s (${settlement.settled} paid)`
        : `${f1(settlement.seconds)} s = ${f0(settlement.salesPerSec ?? 0)} sales/s`,
    ]);
    other.push(["  (creating them via POST /sales)", `${f0(settlement.createdPerSec)} sales/s`]);
    other.push(["  (paying them in the simulator)", `${f0(settlement.paidPerSec)} sales/s`]);
  }
  if (reconcile) {
    other.push([
      `reconciliation of ${reconcile.sales} unnotified sales`,
      reconcile.seconds === null
        ? `not done in ${PHASE_TIMEOUT_MS / 1000} s (${reconcile.settled} paid)`
        : `${f1(reconcile.seconds)} s = ${f0(reconcile.salesPerSec ?? 0)} sales/s`,
    ]);
  }
  if (sales) {
    other.push([
      "POST /sales: all paid after the load",
      sales.drainS === null ? "not within the timeout" : `${f1(sales.drainS)} s later`,
    ]);
  }
  if (webhooks) {
    webhooks.runs.forEach((r, k) =>
      other.push([
        `webhook run ${k + 1}: req/s, p99, RSS after`,
        `${f0(r.reqPerSec)}, ${f1(r.p99Ms)} ms, ${f0(webhooks.rssAfterMb[k] ?? NaN)} MB`,
      ]),
    );
  }
  other.push(["service peak RSS (VmHWM)", `${f0(peakRssMb)} MB`]);

  // the targets of issue 16; the p99 bound is relative to the baseline's, measured in this run
  const targets: Target[] = [];
  if (webhook) {
    const p99Bound = 2 * baseline.post.p99Ms;
    targets.push({
      target: "webhook ack >= 45 % of baseline POST, p99 <= 2 x baseline's, 0 errors",
      value:
        `${pct(webhook.ratio)}, p99 ${f1(webhook.p99Ms)} ms (bound ${f1(p99Bound)}), ` +
        `${webhook.errors} errors`,
      met: (webhook.ratio ?? 0) >= 0.45 && webhook.p99Ms <= p99Bound && webhook.errors === 0,
    });
  }
  if (orders) {
    targets.push({
      target: "GET /orders/:ref >= 35 % of baseline GET",
      value: pct(orders.ratio),
      met: (orders.ratio ?? 0) >= 0.35,
    });
  }
  if (sales) {
    targets.push({
      target: "POST /sales >= 10 % of baseline POST",
      value: pct(sales.figure.ratio),
      met: (sales.figure.ratio ?? 0) >= 0.1,
    });
  }
  if (settlement) {
    targets.push({
      target: "settlement >= 400 sales/s",
      value: settlement.salesPerSec === null ? "timed out" : `${f0(settlement.salesPerSec)}/s`,
      met: (settlement.salesPerSec ?? 0) >= 400,
    });
  }
  if (reconcile) {
    targets.push({
      target: `reconciliation of ${reconcile.sales} < 15 s`,
      value: reconcile.seconds === null ? "timed out" : `${f1(reconcile.seconds)} s`,
      met: reconcile.seconds !== null && reconcile.seconds < 15,
    });
  }
  targets.push({
    target: "peak RSS < 250 MB",
    value: `${f0(peakRssMb)} MB`,
    met: peakRssMb < 250,
  });
  if (webhooks && webhooks.rssAfterMb.length === 3) {
    const [a = 0, , c = 0] = webhooks.rssAfterMb;
    // growth beyond noise: more than 10 % from the first run to the third
    targets.push({
      target: "no RSS growth across 3 webhook runs (< 10 %)",
      value: webhooks.rssAfterMb.map((m) => `${f0(m)}`).join(" -> ") + " MB",
      met: c <= a * 1.1,
    });
  }

  // CPU time swings far less than throughput on a shared machine: the figure to compare
  // (and the ratio to the baseline's per request in the same run, which a busy machine inflates
  // alike)
  const cpu: string[][] = [["service CPU (user + system)", "ms", "per", "ms each", "x baseline"]];
  const cpuRow = (name: string, ms: number | undefined, per: string, each: number | undefined) => {
    const base = name.includes("GET")
      ? baseline.get.cpuMsPerRequest
      : baseline.post.cpuMsPerRequest;
    const ratio = each === undefined || base === undefined ? "" : (each / base).toFixed(1);
    cpu.push([name, ms === undefined ? "" : f0(ms), per, f3(each), ratio]);
  };
  cpuRow("baseline GET /health", baseline.get.cpuMs, "request", baseline.get.cpuMsPerRequest);
  cpuRow("baseline POST /echo", baseline.post.cpuMs, "request", baseline.post.cpuMsPerRequest);
  if (orders) cpuRow("GET /orders/:ref", orders.cpuMs, "request", orders.cpuMsPerRequest);
  if (sales) {
    cpuRow("POST /sales, load only", sales.figure.cpuMs, "request", sales.figure.cpuMsPerRequest);
    cpuRow("POST /sales, until all settled", sales.cpuMs, "sale", sales.cpuMsPerSale);
  }
  if (webhook)
    cpuRow("webhook ack + its inbox work", webhook.cpuMs, "request", webhook.cpuMsPerRequest);
  if (settlement) cpuRow("settlement", settlement.cpuMs, "settled sale", settlement.cpuMsPerSale);
  if (reconcile) cpuRow("reconciliation", reconcile.cpuMs, "settled sale", reconcile.cpuMsPerSale);

  const against = floorReport({ orders, sales, settlement, reconcile, webhook, peakRssMb }, floor);
  const report = [
    `connections ${CONNECTIONS}, ${DURATION_S} s per figure after ${WARMUP_S} s warm-up, ` +
      `LOG_LEVEL=${LOG_LEVEL}, simulator ${SIMULATOR}, Node ${process.version}, ` +
      `${os.cpus().length} cores`,
    "",
    table(rows),
    "",
    table(other),
    "",
    table(cpu),
    "",
    table([
      ["target (issue 16)", "measured", "met"],
      ...targets.map((t) => [t.target, t.value, t.met ? "yes" : "NO"]),
    ]),
    "",
    against.text,
  ].join("\n");
  return { report, webhook, targets, issue28: against.targets };
}
