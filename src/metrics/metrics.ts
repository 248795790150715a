import type { ServerResponse } from "node:http";
import type { Request, RequestHandler } from "express";
import type { Logger } from "pino";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Sale } from "../sales/sale.ts";
import type { SaleTransitionObserver } from "../sales/sales.repository.writes.ts";
import { mercadoPagoRegistry } from "./mercadopago-calls.ts";
import type { MetricsRepository } from "./metrics.repository.ts";
import { reconciliationRegistry } from "./reconciliation-metrics.ts";
import { webhooksOutRegistry } from "./webhooks-out-metrics.ts";

/** How long a paid sale waits for others to share its time-to-paid look-up. */
const TIME_TO_PAID_BATCH_MS = 50;

/** What pg's Pool tells of its connections. */
export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export interface MetricsDeps {
  /** the scrape-time database figures; without it those gauges are absent */
  repo?: MetricsRepository;
  /** the pool behind the service's database client */
  pool?: PoolStats;
  logger: Logger;
}

/** Also told of every sale status written (and its sale_events row): `from` null for a new sale. */
export interface Metrics extends SaleTransitionObserver {
  /** Prometheus text of every metric, the database figures read now */
  scrape(): Promise<string>;
  contentType: string;
  /** Times each request by method, route template and status (one observe when it ends). */
  observeRequests: RequestHandler;
}

/** How long a scrape waits for the database before it answers without its figures. */
export const SCRAPE_DB_TIMEOUT_MS = 1000;

/** Requests that matched no route (404s, and those refused before their route: 401, 429). */
export const UNMATCHED_ROUTE = "unmatched";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

let processRegistry: Registry | undefined;
/**
 * The process's own metrics (CPU, memory, event loop, GC) and its calls to Mercado Pago: one set
 * per process, however many apps it builds (tests build several).
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The route template a request matched (`/orders/:external_reference`), never its raw path. */
function routeOf(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  if (!route || route.path === undefined) return UNMATCHED_ROUTE;
  return `${req.baseUrl}${String(route.path)}`;
}

const STARTED = Symbol("metricsStartedAt");
type TimedResponse = ServerResponse & { [STARTED]?: number; req: Request };

export function createMetrics(deps: MetricsDeps): Metrics {
  const own = new Registry();
  const log = deps.logger.child({ component: "metrics" });

  const http = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP requests by method, route template and status; _count counts them",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [own],
  });
  // one child per (method, route, status): a finished request costs a map look-up and an observe
  const children = new Map<string, Histogram.Internal<"method" | "route" | "status">>();

  function onFinish(this: TimedResponse): void {
    const started = this[STARTED];
    if (started === undefined) return;
    const req = this.req;
    const method = METHODS.has(req.method) ? req.method : "OTHER";
    const route = routeOf(req);
    const status = this.statusCode;
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = http.labels({ method, route, status: String(status) });
      children.set(key, child);
    }
    child.observe((performance.now() - started) / 1000);
  }

  const transitions = new Counter({
    name: "sale_transitions_total",
    help: "Sale status changes by from (none for a new sale), to and source",
    labelNames: ["from", "to", "source"] as const,
    registers: [own],
  });
  const timeToPaid = new Histogram({
    name: "sale_time_to_paid_seconds",
    help: "From the first notification of a sale's payment or merchant order to the sale being paid, by the source that made it paid",
    labelNames: ["source"] as const,
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
    registers: [own],
  });

  const pool = deps.pool;
  if (pool) {
    new Gauge({
      name: "db_pool_connections",
      help: "Connections of the database pool by state (in_use, idle)",
      labelNames: ["state"] as const,
      registers: [own],
      collect() {
        this.set({ state: "in_use" }, pool.totalCount - pool.idleCount);
        this.set({ state: "idle" }, pool.idleCount);
      },
    });
    new Gauge({
      name: "db_pool_waiting",
      help: "Queries waiting for a free connection of the database pool",
      registers: [own],
      collect() {
        this.set(pool.waitingCount);
      },
    });
  }

  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [own] });
  const inboxDepth = gauge("notification_inbox_depth", "Notifications received and not worked yet");
  const inboxOldest = gauge(
    "notification_inbox_oldest_due_seconds",
    "How long the oldest due notification has waited past its due time (0: none due)",
  );
  const backlog = gauge("reconciler_backlog", "Pending sales whose look at Mercado Pago is due");
  const dbUp = gauge(
    "metrics_database_up",
    "1 when this scrape read the database figures, 0 when the database did not answer in time",
  );

  async function readDatabase(): Promise<void> {
    const repo = deps.repo;
    if (!repo) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const figures = await Promise.race([
        repo.backlog(),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${SCRAPE_DB_TIMEOUT_MS} ms`)),
            SCRAPE_DB_TIMEOUT_MS,
          );
        }),
      ]);
      inboxDepth.set(figures.inboxDepth);
      inboxOldest.set(figures.inboxOldestDueSeconds);
      backlog.set(figures.reconcilerBacklog);
      dbUp.set(1);
    } catch (err) {
      // stale figures would read as a healthy backlog: leave them out and say so
      inboxDepth.reset();
      inboxOldest.reset();
      backlog.reset();
      dbUp.set(0);
      log.warn({ err }, "metrics: the database figures could not be read");
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sales paid meanwhile, waiting for the look-up of their first notification: the sales a batch
   * of notifications (or a sweeper tick) settles are looked up by one statement, not one each.
   */
  let paidSales: { source: string; paidAt: Date; sale: Sale }[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  function flushSoon() {
    if (flushTimer) return;
    flushTimer = setTimeout(measureTimeToPaid, TIME_TO_PAID_BATCH_MS);
    flushTimer.unref();
  }
  function measureTimeToPaid() {
    flushTimer = null;
    const repo = deps.repo;
    const batch = paidSales;
    paidSales = [];
    if (!repo || batch.length === 0) return;
    repo
      .firstNotifiedAt(
        batch.map(({ sale }) => ({
          orderId: sale.orderId,
          merchantOrderId: sale.merchantOrderId,
          paymentIds: sale.payments.map((p) => p.id),
        })),
      )
      .then((firsts) => {
        firsts.forEach((first, i) => {
          const paid = batch[i];
          if (!first || !paid) return;
          const seconds = Math.max(0, paid.paidAt.getTime() - first.getTime()) / 1000;
          timeToPaid.observe({ source: paid.source }, seconds);
        });
      })
      .catch((err: unknown) => log.debug({ err }, "metrics: time to paid not measured"));
  }

  // merged last: a merge holds the metrics its registries have at that moment
  const registry = Registry.merge([
    processMetrics(),
    mercadoPagoRegistry,
    webhooksOutRegistry,
    reconciliationRegistry,
    own,
  ]);
  return {
    contentType: registry.contentType,
    async scrape() {
      await readDatabase();
      return registry.metrics();
    },
    observeRequests(_req, res, next) {
      (res as TimedResponse)[STARTED] = performance.now();
      res.once("finish", onFinish);
      next();
    },
    saleTransition(from, to, source, sale) {
      transitions.inc({ from: from ?? "none", to, source });
      if (to !== "paid" || !deps.repo) return;
      // off the request's path: the answer never waits for this look-up
      paidSales.push({ source, paidAt: sale.paidAt ?? new Date(), sale });
      flushSoon();
    },
  };
}
