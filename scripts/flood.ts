// `npx tsx scripts/flood.ts`: forged-notification flood. The production build runs against the
// built-in Mercado Pago simulator (in a process of its own, as Mercado Pago); autocannon posts
// FLOOD_POSTS notifications with random ids and no secret while real sales are created and paid
// through the simulator, whose notifications reach the service as Mercado Pago's would. Prints
// how long each real sale took from its payment to `paid` in the database, and what the forged
// posts cost (inbox rows, Mercado Pago requests). Not part of CI: about a minute.
import { randomBytes, randomInt } from "node:crypto";
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import pg from "pg";
import { HOST, freePort, sleep, startNode, waitForHttp, type Child } from "../bench/proc.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const int = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const POSTS = int("FLOOD_POSTS", 50_000);
const CONNECTIONS = int("FLOOD_CONNECTIONS", 50);
/** a real sale is paid every this many ms while the flood runs */
const SALE_EVERY_MS = int("FLOOD_SALE_EVERY_MS", 500);
const SERVICE_MAIN = process.env.FLOOD_SERVICE_MAIN ?? path.join(ROOT, "dist/main.js");
const LOG_LEVEL = process.env.FLOOD_LOG_LEVEL ?? "info";
/**
 * How long ago the service generated its webhook secret (when it keeps one in the database).
 * Default: a day, the steady state. 0: the flood hits a service that has just generated it,
 * while orders from before may still notify without a secret.
 */
const SECRET_AGE_S = int("FLOOD_SECRET_AGE_S", 86_400);
const ADMIN_URL =
  process.env.FLOOD_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const API_KEY = `flood-${randomBytes(12).toString("hex")}`;
const workDir = path.join(os.tmpdir(), `mp-flood-${Date.now()}`);
mkdirSync(workDir, { recursive: true });

const log = (m: string) =>
  process.stderr.write(`[flood ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const json = { "content-type": "application/json" };

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

interface Running {
  service: Child;
  simulator: Child;
  url: string;
  simUrl: string;
  db: pg.Client;
  dbName: string;
}

async function start(): Promise<Running> {
  const dbName = `flood_${Date.now()}_${randomBytes(3).toString("hex")}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;

  const simPort = await freePort();
  const token = `APP_USR-flood-${randomBytes(16).toString("hex")}`;
  const simulator = startNode(
    "simulator",
    ["--import", "tsx", path.join(ROOT, "bench/simulator-server.ts")],
    {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      PORT: String(simPort),
      SIM_ACCESS_TOKEN: token,
      SIM_COLLECTOR_ID: "100000001",
    },
    path.join(workDir, "simulator.log"),
  );
  const simUrl = `http://${HOST}:${simPort}/simulator`;
  await waitForHttp(`${simUrl}/api/faults`, simulator);

  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const startService = () =>
    startNode(
      "service",
      [SERVICE_MAIN],
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "production",
        PORT: String(port),
        DATABASE_URL: dbUrl.toString(),
        API_KEYS: API_KEY,
        LOG_LEVEL,
        PUBLIC_BASE_URL: url,
        DATA_DIR: path.join(workDir, "data"),
        NODE_OPTIONS: "--max-old-space-size=192",
        MP_ACCESS_TOKEN: token,
        MP_COLLECTOR_ID: "100000001",
        MP_BASE_URL: `${simUrl}/mp`,
      },
      path.join(workDir, "service.log"),
    );
  let service = startService();
  await waitForHttp(`${url}/ready`, service);
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  await db.connect();
  const kept = await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'service_secrets'");
  if (kept.rowCount && SECRET_AGE_S > 0) {
    // the secret was generated at this boot: age it and start again, as a service that has
    // been running for a while would
    await db.query(
      "UPDATE service_secrets SET created_at = created_at - make_interval(secs => $1)",
      [SECRET_AGE_S],
    );
    await service.stop();
    service = startService();
    await waitForHttp(`${url}/ready`, service);
  }
  return { service, simulator, url, simUrl, db, dbName };
}

async function stop(r: Running): Promise<void> {
  await r.db.end().catch(() => undefined);
  await r.service.stop();
  await r.simulator.stop();
  await admin(`DROP DATABASE IF EXISTS ${r.dbName} WITH (FORCE)`);
}

/** Mercado Pago API requests the simulator has answered so far. */
async function mpRequests(r: Running): Promise<number> {
  const res = await fetch(`${r.simUrl}/api/requests`);
  const body = (await res.json()) as { requests: { seq: number }[] };
  return body.requests.at(-1)?.seq ?? 0;
}

interface Paid {
  ref: string;
  paidAt: number;
}

/** Creates a sale on a POS of its own, pays it at the simulator; resolves at the payment. */
async function sellAndPay(r: Running, n: number): Promise<Paid> {
  const ref = `flood-${n}-${randomBytes(3).toString("hex")}`;
  const created = await fetch(`${r.url}/sales`, {
    method: "POST",
    headers: { ...json, authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({
      store_id: "FLOOD",
      pos_id: `FLOODPOS${n}`,
      external_reference: ref,
      items: [{ title: "Coffee", unit_price: 2.5, quantity: 2 }],
    }),
  });
  if (created.status !== 201) throw new Error(`POST /sales: ${created.status}`);
  const paidAt = Date.now();
  const pay = await fetch(`${r.simUrl}/api/pos/FLOODPOS${n}/pay`, {
    method: "POST",
    headers: json,
    body: `{"status":"approved"}`,
  });
  if (pay.status !== 201) throw new Error(`pay: ${pay.status} ${await pay.text()}`);
  return { ref, paidAt };
}

/** Seconds from each payment to its sale's paid_at (waits up to `timeoutMs` for all). */
async function settleTimes(r: Running, paid: Paid[], timeoutMs = 180_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await r.db.query<{ external_reference: string; paid_at: Date | null }>(
      "SELECT external_reference, paid_at FROM sales WHERE external_reference = ANY($1)",
      [paid.map((p) => p.ref)],
    );
    const at = new Map(rows.rows.map((row) => [row.external_reference, row.paid_at]));
    if (paid.every((p) => at.get(p.ref)) || Date.now() > deadline) {
      return paid.map((p) => {
        const t = at.get(p.ref);
        return t ? (t.getTime() - p.paidAt) / 1000 : Number.POSITIVE_INFINITY;
      });
    }
    await sleep(200);
  }
}

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const fmt = (n: number | undefined) =>
    n === undefined ? "-" : Number.isFinite(n) ? n.toFixed(2) : "never";
  return `n=${sorted.length} p50=${fmt(q(0.5))} s p90=${fmt(q(0.9))} s max=${fmt(sorted.at(-1))} s`;
}

const r = await start();
log(`service ${SERVICE_MAIN} up; work dir ${workDir}`);
try {
  // quiet figure first: a few sales with nothing else going on
  const calm: Paid[] = [];
  for (let i = 0; i < 5; i++) calm.push(await sellAndPay(r, i));
  const calmTimes = await settleTimes(r, calm);
  log(`without a flood: ${summary(calmTimes)}`);

  const readsBefore = await mpRequests(r);
  const rowsBefore = Number(
    (await r.db.query<{ n: string }>("SELECT count(*) AS n FROM notifications")).rows[0]?.n,
  );
  log(`flood: ${POSTS} forged posts (random ids, no secret), ${CONNECTIONS} connections`);
  let flooding = true;
  const started = Date.now();
  const flood = autocannon({
    url: r.url,
    connections: CONNECTIONS,
    amount: POSTS,
    timeout: 10,
    requests: [
      {
        method: "POST",
        headers: json,
        setupRequest: (req) => {
          const id = String(randomInt(1, 2 ** 47));
          return {
            ...req,
            path: `/webhooks/mercadopago?topic=merchant_order&id=${id}`,
            body: JSON.stringify({ resource: id, topic: "merchant_order" }),
          };
        },
      },
    ],
  }).then((res) => {
    flooding = false;
    return res;
  });
  const real: Promise<Paid>[] = [];
  for (let n = 100; flooding; n++) {
    real.push(sellAndPay(r, n));
    await sleep(SALE_EVERY_MS);
  }
  const result = await flood;
  const floodS = (Date.now() - started) / 1000;
  const times = await settleTimes(r, await Promise.all(real));
  const rows = Number(
    (await r.db.query<{ n: string }>("SELECT count(*) AS n FROM notifications")).rows[0]?.n,
  );
  const reads = (await mpRequests(r)) - readsBefore;
  log(
    `flood took ${floodS.toFixed(1)} s (${Math.round(result.requests.average)} req/s, ` +
      `${result.non2xx} non-2xx, ${result.errors} errors)`,
  );
  log(`real sales during the flood, payment → paid: ${summary(times)}`);
  log(
    `inbox rows added: ${rows - rowsBefore}; Mercado Pago requests during the flood: ${reads} ` +
      `(for ${times.length} real sales)`,
  );
  process.stdout.write(
    `${JSON.stringify({
      posts: POSTS,
      floodSeconds: floodS,
      calm: calmTimes,
      duringFlood: times,
      inboxRowsAdded: rows - rowsBefore,
      mercadoPagoRequests: reads,
    })}\n`,
  );
} finally {
  await stop(r);
}
