// `npm run bench`: the service against a bare Express 5 baseline, measured side by side in one
// run on this machine (see bench/README.md for what each figure means and how it is driven).
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type autocannon from "autocannon";
import pg from "pg";
import { measure, type LoadFigures } from "./load.ts";
import {
  HOST,
  cpuMsOf,
  freePort,
  memoryOf,
  sleep,
  startNode,
  waitForHttp,
  type Child,
} from "./proc.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

const CONNECTIONS = intEnv("BENCH_CONNECTIONS", 50);
const DURATION_S = intEnv("BENCH_DURATION_S", 10);
const WARMUP_S = intEnv("BENCH_WARMUP_S", 3);
const ORDERS = intEnv("BENCH_ORDERS", 10_000);
const WEBHOOK_ORDERS = 1_000;
const SALES_POS = intEnv("BENCH_SALES_POS", 2_000);
const SETTLE_SALES = intEnv("BENCH_SETTLE_SALES", 10_000);
const RECONCILE_SALES = intEnv("BENCH_RECONCILE_SALES", 10_000);
/** concurrency of the bench's own helper calls (creating sales, paying them) */
const DRIVER_CONCURRENCY = intEnv("BENCH_DRIVER_CONCURRENCY", 32);
const PHASE_TIMEOUT_MS = intEnv("BENCH_PHASE_TIMEOUT_S", 300) * 1000;
/** how long to wait for the backlog to clear between phases */
const QUIET_TIMEOUT_MS = intEnv("BENCH_QUIET_TIMEOUT_S", 120) * 1000;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "info";
const CPU_PROF = process.env.BENCH_CPU_PROF === "1";
/** "process": the simulator in a process of its own (default); "inline": zero-config mode */
const SIMULATOR = process.env.BENCH_SIMULATOR ?? "process";
if (SIMULATOR !== "process" && SIMULATOR !== "inline") {
  throw new Error("BENCH_SIMULATOR must be process or inline");
}
const PHASES = new Set(
  (process.env.BENCH_PHASES ?? "orders,sales,settle,webhook,reconcile").split(","),
);
const ADMIN_URL =
  process.env.BENCH_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const API_KEY = `bench-${randomBytes(12).toString("hex")}`;
/** the service's WEBHOOK_SECRET: the webhook phase delivers as Mercado Pago does, secret included */
const WEBHOOK_SECRET = `bench_${randomBytes(12).toString("hex")}`;

const workDir = path.join(os.tmpdir(), `mp-bench-${Date.now()}`);
mkdirSync(workDir, { recursive: true });

/** What to undo if the bench is interrupted: children to stop, databases to drop. */
const cleanups = new Set<() => Promise<void>>();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the children and dropping the database`);
    void Promise.allSettled([...cleanups].map((c) => c())).then(() => process.exit(130));
  });
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight. */
async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  async function lane() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

// ----- the baseline --------------------------------------------------------------------------

interface HttpFigure extends LoadFigures {
  name: string;
  /** which baseline figure this one is compared with */
  against?: "get" | "post";
  ratio?: number;
}

async function runBaseline(): Promise<{ get: HttpFigure; post: HttpFigure }> {
  const port = await freePort();
  const child = startNode(
    "baseline",
    ["--import", "tsx", path.join(ROOT, "bench/baseline-server.ts")],
    { ...process.env, PORT: String(port), NODE_ENV: "production" },
    path.join(workDir, "baseline.log"),
  );
  const url = `http://${HOST}:${port}`;
  const cleanup = () => child.stop();
  cleanups.add(cleanup);
  try {
    await waitForHttp(`${url}/health`, child);
    log("baseline: GET /health");
    const get = await measure({
      url,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      requests: [{ method: "GET", path: "/health" }],
      cpuPid: child.pid,
    });
    log("baseline: POST /echo");
    const post = await measure({
      url,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      requests: [
        {
          method: "POST",
          path: "/echo",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ resource: "12345678", topic: "merchant_order" }),
        },
      ],
      cpuPid: child.pid,
    });
    return {
      get: { name: "baseline GET /health", ...get },
      post: { name: "baseline POST /echo (JSON)", ...post },
    };
  } finally {
    cleanups.delete(cleanup);
    await child.stop();
  }
}

// ----- the service ---------------------------------------------------------------------------

interface Service {
  child: Child;
  url: string;
  /** where the simulator's router is: its page and helpers are under it */
  simUrl: string;
  db: pg.Client;
  dbName: string;
  cleanup(): Promise<void>;
}

async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** BENCH_SERVICE_ENV="NAME=value,NAME=value": more environment for the service (experiments). */
function extraServiceEnv(): Record<string, string> {
  const raw = process.env.BENCH_SERVICE_ENV ?? "";
  const pairs = raw
    .split(",")
    .filter((p) => p.includes("="))
    .map((p) => [p.slice(0, p.indexOf("=")).trim(), p.slice(p.indexOf("=") + 1)] as const);
  return Object.fromEntries(pairs);
}

/** The simulator in its own process; the service then talks to it as to Mercado Pago. */
async function startSimulator(): Promise<{ child: Child; url: string; env: NodeJS.ProcessEnv }> {
  const port = await freePort();
  const accessToken = `APP_USR-bench-${randomBytes(16).toString("hex")}`;
  const collectorId = "100000001";
  const child = startNode(
    "simulator",
    ["--import", "tsx", path.join(ROOT, "bench/simulator-server.ts")],
    {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      PORT: String(port),
      SIM_ACCESS_TOKEN: accessToken,
      SIM_COLLECTOR_ID: collectorId,
    },
    path.join(workDir, "simulator.log"),
  );
  const url = `http://${HOST}:${port}/simulator`;
  await waitForHttp(`${url}/api/faults`, child);
  return {
    child,
    url,
    env: { MP_ACCESS_TOKEN: accessToken, MP_COLLECTOR_ID: collectorId, MP_BASE_URL: `${url}/mp` },
  };
}

async function startService(): Promise<Service> {
  const database = await createDatabase();
  const simulator =
    SIMULATOR === "process"
      ? await startSimulator().catch(async (err: unknown) => {
          await dropDatabase(database.name);
          throw err;
        })
      : null;
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    PORT: String(port),
    DATABASE_URL: database.url,
    API_KEYS: API_KEY,
    WEBHOOK_SECRET,
    LOG_LEVEL,
    PUBLIC_BASE_URL: url,
    DATA_DIR: path.join(workDir, "data"),
    // The reconciler stays out of the way of the notification path until the reconciliation
    // phase makes its sales due; a short interval so that phase does not wait for a tick.
    RECONCILE_AFTER_MS: "600000",
    RECONCILE_INTERVAL_MS: "1000",
    // the heap cap the Dockerfile sets
    NODE_OPTIONS: "--max-old-space-size=192",
    // inline: the service's own simulator, whose helpers then take the full-access key
    ...(simulator ? simulator.env : { MP_SIMULATOR: "true" }),
    ...extraServiceEnv(),
  };
  const args = [
    ...(CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${path.join(workDir, "profiles")}`] : []),
    process.env.BENCH_SERVICE_MAIN ?? path.join(ROOT, "dist/main.js"),
  ];
  const child = startNode("service", args, env, path.join(workDir, "service.log"));
  const cleanup = async () => {
    await child.stop();
    await simulator?.child.stop();
    await dropDatabase(database.name);
  };
  cleanups.add(cleanup);
  try {
    await waitForHttp(`${url}/ready`, child);
  } catch (err) {
    cleanups.delete(cleanup);
    await cleanup();
    throw err;
  }
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const simUrl = simulator?.url ?? `${url}/simulator`;
  return { child, url, simUrl, db, dbName: database.name, cleanup };
}

async function stopService(s: Service): Promise<void> {
  cleanups.delete(s.cleanup);
  await s.db.end().catch(() => undefined);
  await s.cleanup();
}

const auth = { authorization: `Bearer ${API_KEY}` };
const json = { "content-type": "application/json" };

function saleBody(posId: string, externalReference?: string): string {
  return JSON.stringify({
    store_id: "BENCH",
    pos_id: posId,
    ...(externalReference ? { external_reference: externalReference } : {}),
    items: [{ title: "Coffee", unit_price: 2.5, quantity: 2 }],
  });
}

async function post(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: "POST", body, headers });
  const text = await res.text();
  return { status: res.status, text };
}

let createRetries = 0;

/** Creates sales through POST /sales (the real path: database, then the order PUT). */
async function createSales(s: Service, posIds: string[], refs: string[]): Promise<number> {
  const started = performance.now();
  const indexes = posIds.map((_, i) => i);
  const statuses = await pool(indexes, DRIVER_CONCURRENCY, async (i) => {
    const pos = posIds[i] as string;
    // as a POS would: a failure is retried with the same external_reference (a replay is 200)
    for (let attempt = 1; ; attempt++) {
      const r = await post(`${s.url}/sales`, saleBody(pos, refs[i]), { ...auth, ...json }).catch(
        (err: unknown) => ({ status: 0, text: String(err) }),
      );
      if (r.status === 201 || r.status === 200) return r.status;
      if (attempt >= 5 || (r.status >= 400 && r.status < 500)) {
        throw new Error(`POST /sales for ${pos}: ${r.status} ${r.text}`);
      }
      createRetries++;
      await sleep(200 * attempt);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  return statuses.length / seconds;
}

/**
 * The customer pays the order on a POS (simulator helper on the service's port). A call that
 * fails to connect is tried again; a repeated pay on a paid POS is refused (409), never doubled.
 */
async function pay(s: Service, posId: string): Promise<number | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      const url = `${s.simUrl}/api/pos/${posId}/pay`;
      const r = await post(url, `{"status":"approved"}`, { ...json, ...auth });
      if (r.status !== 201) return null;
      const body = JSON.parse(r.text) as { merchant_order: { id: number } };
      return body.merchant_order.id;
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(200 * attempt);
    }
  }
}

async function setNotifications(s: Service, method: "PUT" | "DELETE", body?: unknown) {
  const res = await fetch(`${s.simUrl}/api/notifications`, {
    method,
    headers: { ...json, ...auth },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`notification controls: ${res.status} ${await res.text()}`);
}

async function count(s: Service, sql: string, params: unknown[] = []): Promise<number> {
  const r = await s.db.query<{ n: string }>(sql, params);
  return Number(r.rows[0]?.n ?? 0);
}

/** Waits until `done()` is true; returns the seconds taken, or null on timeout. */
async function until(done: () => Promise<boolean>, timeoutMs = PHASE_TIMEOUT_MS) {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await done()) return (performance.now() - started) / 1000;
    await sleep(100);
  }
  return null;
}

/** Nothing left in the notification inbox and (unless told otherwise) no sale still pending. */
async function quiet(s: Service, opts: { allowPending?: boolean } = {}): Promise<void> {
  const pending = opts.allowPending ? "0" : "(SELECT count(*) FROM sales WHERE status = 'pending')";
  const took = await until(async () => {
    const n = await count(
      s,
      `SELECT (SELECT count(*) FROM notifications WHERE processed_at IS NULL) + ${pending} AS n`,
    );
    return n === 0;
  }, QUIET_TIMEOUT_MS);
  if (took === null)
    log(`warning: the service did not go quiet within ${QUIET_TIMEOUT_MS / 1000} s`);
}

/** 10 000 paid sales with distinct references, written in one statement. */
async function seedOrders(s: Service): Promise<string[]> {
  await s.db.query(
    `INSERT INTO sales (external_reference, store_id, pos_id, title, description, items,
                        total_cents, status, order_state, merchant_order_id, merchant_order_status,
                        paid_cents, payments, request_hash, expires_at, paid_at, next_check_at)
     SELECT 'seed-' || lpad(g::text, 6, '0'), 'BENCH', 'SEEDPOS' || (g % 500), 'Sale ' || g,
            'Sale ' || g,
            '[{"title":"Coffee","quantity":2,"unitMeasure":"unit","unitPriceCents":250}]'::jsonb,
            500, 'paid', 'withdrawn', 20000000000 + g, 'closed', 500,
            jsonb_build_array(jsonb_build_object('id', 30000000000 + g, 'status', 'approved',
                                                 'amount', 5)),
            md5(g::text), now() + interval '10 minutes', now(), now() + interval '10 minutes'
       FROM generate_series(1, $1::int) AS g`,
    [ORDERS],
  );
  await s.db.query("ANALYZE sales");
  return Array.from({ length: ORDERS }, (_, i) => `seed-${pad(i + 1, 6)}`);
}

async function phaseOrders(s: Service): Promise<HttpFigure> {
  const refs = await seedOrders(s);
  log(`service: GET /orders/:ref over ${refs.length} seeded sales`);
  let i = 0;
  const figures = await measure({
    url: s.url,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    headers: auth,
    cpuPid: s.child.pid,
    requests: [
      {
        method: "GET",
        setupRequest: (req) => ({ ...req, path: `/orders/${refs[i++ % refs.length]}` }),
      },
    ],
  });
  return { name: "GET /orders/:ref", against: "get", ...figures };
}

interface SalesPhase {
  figure: HttpFigure;
  /** seconds after the load stopped until every sale of the phase was paid */
  drainS: number | null;
  paid: number;
  /** service CPU from the measured run's start until its last sale was paid and worked */
  cpuMs: number;
  /** that CPU per sale of the measured run (created, published, paid, notified, settled) */
  cpuMsPerSale: number;
}

async function phaseSales(s: Service): Promise<SalesPhase> {
  const posIds = Array.from({ length: SALES_POS }, (_, i) => `BP${pad(i, 5)}`);
  const toPay: string[] = [];
  let loadRunning = true;
  let payFailures = 0;
  // The payer: every POS that got a sale is paid at once through the simulator's helper, and
  // the resulting notifications free the POS for its next sale.
  const payers = Array.from({ length: 8 }, async () => {
    while (loadRunning || toPay.length > 0) {
      const pos = toPay.shift();
      if (pos === undefined) {
        await sleep(2);
        continue;
      }
      if ((await pay(s, pos)) === null) payFailures++;
    }
  });
  /**
   * autocannon drops the requests in flight when a run ends: the service still creates those
   * sales (on a busy machine some seconds later), but the bench never sees their 201. Pay them
   * from the database's view, round after round until none is pending: a sale created after a
   * round's query, or whose order was not yet on the POS when it was paid, is paid by the next.
   */
  async function payStragglers() {
    while (toPay.length > 0) await sleep(10);
    const started = performance.now();
    for (;;) {
      await sleep(500);
      const pending = await s.db.query<{ pos_id: string }>(
        `SELECT pos_id FROM sales WHERE pos_id LIKE 'BP%' AND status = 'pending'`,
      );
      if (pending.rows.length === 0) return;
      if (performance.now() - started > PHASE_TIMEOUT_MS) {
        log(`POST /sales: ${pending.rows.length} sales still pending after paying stragglers`);
        return;
      }
      await pool(
        pending.rows.map((r) => r.pos_id),
        8,
        (pos) => pay(s, pos),
      );
    }
  }
  let i = 0;
  const load = (durationS: number, cpuPid?: number) =>
    measure({
      url: s.url,
      connections: CONNECTIONS,
      durationS,
      warmupS: 0,
      cpuPid,
      headers: { ...auth, ...json },
      requests: [
        {
          method: "POST",
          path: "/sales",
          setupRequest: (req, context) => {
            const pos = posIds[i++ % posIds.length] as string;
            (context as { pos?: string }).pos = pos;
            return { ...req, body: saleBody(pos) };
          },
          onResponse: (status, _body, context) => {
            const pos = (context as { pos?: string }).pos;
            if (status === 201 && pos) toPay.push(pos);
          },
        },
      ],
    });
  log(`service: POST /sales over ${SALES_POS} POS, each paid right after`);
  if (WARMUP_S > 0) {
    await load(WARMUP_S);
    await payStragglers();
    await quiet(s);
  }
  const paidQuery = `SELECT count(*) AS n FROM sales WHERE pos_id LIKE 'BP%' AND status = 'paid'`;
  const paidBefore = await count(s, paidQuery);
  const cpuBefore = cpuMsOf(s.child.pid);
  const figures = await load(DURATION_S, s.child.pid);
  await payStragglers();
  loadRunning = false;
  await Promise.all(payers);
  const drainS = await until(
    async () =>
      (await count(
        s,
        `SELECT count(*) AS n FROM sales WHERE pos_id LIKE 'BP%' AND status = 'pending'`,
      )) === 0,
  );
  await quiet(s);
  // every sale of the measured run, created, published, notified and settled
  const cpuMs = cpuMsOf(s.child.pid) - cpuBefore;
  const paid = await count(s, paidQuery);
  const settledInRun = paid - paidBefore;
  if (payFailures > 0) log(`POST /sales: ${payFailures} pay calls failed`);
  return {
    figure: { name: "POST /sales", against: "post", ...figures },
    drainS,
    paid,
    cpuMs,
    cpuMsPerSale: settledInRun > 0 ? cpuMs / settledInRun : NaN,
  };
}

interface SettlementFigure {
  sales: number;
  /** from the first pay call until the last sale is paid in the database */
  seconds: number | null;
  salesPerSec: number | null;
  /** how fast the sales were created beforehand (POST /sales, DRIVER_CONCURRENCY in flight) */
  createdPerSec: number;
  /**
   * how fast the simulator took the payments (its pay helper, DRIVER_CONCURRENCY in flight, each
   * payment's notifications sent): the pace at which Mercado Pago's side hands us work here
   */
  paidPerSec: number;
  settled: number;
  /** service CPU from the first pay until the last sale was paid */
  cpuMs: number;
  cpuMsPerSale: number;
}

async function phaseSettlement(s: Service): Promise<{ fig: SettlementFigure; moIds: number[] }> {
  const n = SETTLE_SALES;
  const posIds = Array.from({ length: n }, (_, i) => `BS${pad(i, 5)}`);
  const refs = posIds.map((p) => `bench-${p}`);
  log(`settlement: creating ${n} sales through POST /sales`);
  const createdPerSec = await createSales(s, posIds, refs);
  await quiet(s, { allowPending: true });
  log(`settlement: paying ${n} sales with notifications on`);
  const started = performance.now();
  const cpuBefore = cpuMsOf(s.child.pid);
  const paying = pool(posIds, DRIVER_CONCURRENCY, (pos) => pay(s, pos));
  const done = async () =>
    (await count(
      s,
      `SELECT count(*) AS n FROM sales WHERE pos_id LIKE 'BS%' AND status = 'paid'`,
    )) === n;
  const moIds = (await paying).filter((id): id is number => id !== null);
  const paidPerSec = n / ((performance.now() - started) / 1000);
  const left = PHASE_TIMEOUT_MS - (performance.now() - started);
  const finished = (await until(done, Math.max(0, left))) !== null;
  const seconds = finished ? (performance.now() - started) / 1000 : null;
  const cpuMs = cpuMsOf(s.child.pid) - cpuBefore;
  const settled = await count(
    s,
    `SELECT count(*) AS n FROM sales WHERE pos_id LIKE 'BS%' AND status = 'paid'`,
  );
  await quiet(s);
  return {
    fig: {
      sales: n,
      seconds,
      salesPerSec: seconds === null ? null : n / seconds,
      createdPerSec,
      paidPerSec,
      settled,
      cpuMs,
      cpuMsPerSale: settled > 0 ? cpuMs / settled : NaN,
    },
    moIds,
  };
}

/** Merchant orders to notify about: the settlement's, or 1 000 paid sales made for the purpose. */
async function webhookOrders(s: Service, fromSettlement: number[]): Promise<number[]> {
  if (fromSettlement.length >= WEBHOOK_ORDERS) return fromSettlement.slice(0, WEBHOOK_ORDERS);
  const posIds = Array.from({ length: WEBHOOK_ORDERS }, (_, i) => `BW${pad(i, 5)}`);
  await createSales(
    s,
    posIds,
    posIds.map((p) => `bench-${p}`),
  );
  const ids = await pool(posIds, DRIVER_CONCURRENCY, (pos) => pay(s, pos));
  await quiet(s);
  return ids.filter((id): id is number => id !== null);
}

interface WebhookRuns {
  runs: HttpFigure[];
  rssAfterMb: number[];
}

async function phaseWebhooks(s: Service, moIds: number[]): Promise<WebhookRuns> {
  log(`service: POST /webhooks/mercadopago over ${moIds.length} merchant orders, 3 runs`);
  let i = 0;
  const requests: autocannon.Request[] = [
    {
      method: "POST",
      headers: json,
      setupRequest: (req) => {
        const id = moIds[i++ % moIds.length] as number;
        return {
          ...req,
          path: `/webhooks/mercadopago?source_news=ipn&secret=${WEBHOOK_SECRET}&topic=merchant_order&id=${id}`,
          body: `{"resource":"https://api.mercadolibre.com/merchant_orders/${id}","topic":"merchant_order"}`,
        };
      },
    },
  ];
  const runs: HttpFigure[] = [];
  const rssAfterMb: number[] = [];
  for (let run = 1; run <= 3; run++) {
    const figures = await measure({
      url: s.url,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: run === 1 ? WARMUP_S : 0,
      requests,
      cpuPid: s.child.pid,
    });
    // the CPU per request counts the inbox work the run left behind too
    const cpuAtEnd = cpuMsOf(s.child.pid);
    await quiet(s);
    const cpuMs = (figures.cpuMs ?? 0) + cpuMsOf(s.child.pid) - cpuAtEnd;
    figures.cpuMs = cpuMs;
    figures.cpuMsPerRequest = figures.requests > 0 ? cpuMs / figures.requests : NaN;
    runs.push({ name: `webhook ack (run ${run})`, against: "post", ...figures });
    rssAfterMb.push(memoryOf(s.child.pid).rssMb);
  }
  return { runs, rssAfterMb };
}

interface ReconcileFigure {
  sales: number;
  seconds: number | null;
  salesPerSec: number | null;
  settled: number;
  /** service CPU from the sales being made due until the last one was paid */
  cpuMs: number;
  cpuMsPerSale: number;
}

async function phaseReconcile(s: Service): Promise<ReconcileFigure> {
  const n = RECONCILE_SALES;
  const posIds = Array.from({ length: n }, (_, i) => `BR${pad(i, 5)}`);
  log(`reconciliation: creating ${n} sales, paying them with notifications dropped`);
  await createSales(
    s,
    posIds,
    posIds.map((p) => `bench-${p}`),
  );
  await setNotifications(s, "PUT", { drop: true });
  try {
    await pool(posIds, DRIVER_CONCURRENCY, (pos) => pay(s, pos));
    // Due now instead of RECONCILE_AFTER_MS from their creation: the clock starts here.
    const cpuBefore = cpuMsOf(s.child.pid);
    await s.db.query(
      `UPDATE sales SET next_check_at = now() WHERE pos_id LIKE 'BR%' AND status = 'pending'`,
    );
    log("reconciliation: sales are due; waiting for the reconciler");
    const query = `SELECT count(*) AS n FROM sales WHERE pos_id LIKE 'BR%' AND status = 'paid'`;
    const seconds = await until(async () => (await count(s, query)) === n);
    const cpuMs = cpuMsOf(s.child.pid) - cpuBefore;
    const settled = await count(s, query);
    return {
      sales: n,
      seconds,
      salesPerSec: seconds === null ? null : n / seconds,
      settled,
      cpuMs,
      cpuMsPerSale: settled > 0 ? cpuMs / settled : NaN,
    };
  } finally {
    await setNotifications(s, "DELETE");
  }
}

// ----- report --------------------------------------------------------------------------------

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const f3 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? "" : n.toFixed(3));
const pct = (r: number | undefined) => (r === undefined ? "" : `${(r * 100).toFixed(1)} %`);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  const line = (r: string[]) =>
    `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join(" | ")} |`;
  const sep = `|${widths.map((w, c) => (c === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(rows[0] ?? []), sep, ...rows.slice(1).map(line)].join("\n");
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

interface Target {
  target: string;
  value: string;
  met: boolean;
}

async function main(): Promise<void> {
  log(`work dir ${workDir} (service and baseline logs${CPU_PROF ? ", CPU profiles" : ""})`);
  const baseline = await runBaseline();
  const ratioTo = (fig: HttpFigure) =>
    (fig.ratio = fig.reqPerSec / (fig.against === "get" ? baseline.get : baseline.post).reqPerSec);

  const service = await startService();
  let orders: HttpFigure | undefined;
  let sales: SalesPhase | undefined;
  let settlement: SettlementFigure | undefined;
  let webhooks: WebhookRuns | undefined;
  let reconcile: ReconcileFigure | undefined;
  let peakRssMb: number;
  try {
    if (PHASES.has("orders")) orders = await phaseOrders(service);
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
  } finally {
    await stopService(service);
  }

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
      ["target", "measured", "met"],
      ...targets.map((t) => [t.target, t.value, t.met ? "yes" : "NO"]),
    ]),
  ].join("\n");
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
    targets,
    logs: workDir,
  };
  writeFileSync(path.join(ROOT, "bench/results.json"), `${JSON.stringify(results, null, 2)}\n`);
  log("written bench/results.json");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
