// npm run soak: thousands of sales through the simulator with chaos on and a process restart
// midway, then every sale compared with the simulator's truth. Not a CI test: it takes minutes.
//
//   SOAK_SALES=5000 SOAK_CONCURRENCY=50 npm run soak
//   MP_API=orders npm run soak        # the same on the Orders API (signed `order` webhooks)
//
// Prints: sales, paid (by webhook / reconcile / expiry / staff), expired, cancelled, failed,
// lost, false_paid, double_transitions, wall seconds.
import { randomBytes } from "node:crypto";
import axios from "axios";
import pg from "pg";
import { migrate } from "../src/db/database.ts";
import { startSimulatorServer } from "mercadopago-simulator";
import { axiosDeliver } from "mercadopago-simulator";
import { freePort, startService, type ServiceProcess } from "../test/process-helpers.ts";

const SALES = Number(process.env.SOAK_SALES ?? 5000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 50);
const ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const TOKEN = `APP_USR-soak-${randomBytes(8).toString("hex")}`;
const COLLECTOR = "424242";
const KEY = `soak-key-${randomBytes(8).toString("hex")}`;
const API = process.env.MP_API === "orders" ? "orders" : "instore_v2";
// Orders API webhooks are signed; the service requires the secret outside development
const SIGNING_SECRET = `soak-signing-${randomBytes(16).toString("hex")}`;

// a small seeded generator, so a run can be repeated
let seed = Number(process.env.SOAK_SEED ?? 20261125);
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const http = axios.create({ validateStatus: () => true, timeout: 15_000 });
const auth = { headers: { Authorization: `Bearer ${KEY}` } };

const chaos = { duplicated: 0, dropped: 0, reordered: 0 };

async function main() {
  const started = Date.now();
  const dbName = `soak_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  await migrate(databaseUrl);

  // Chaos in delivery: 10 % dropped, 30 % duplicated, 10 % held back and sent late (reordered),
  // every message delayed 0–200 ms.
  const deliver = async (
    target: string,
    body: unknown,
    info: { timeoutMs: number; attempt: number },
  ) => {
    const r = random();
    if (info.attempt === 1 && r < 0.1) {
      chaos.dropped++;
      return 200;
    }
    await sleep(random() * 200);
    if (info.attempt === 1 && r < 0.2) {
      chaos.reordered++;
      await sleep(500 + random() * 2500);
    }
    const status = await axiosDeliver(target, body, info);
    if (info.attempt === 1 && r > 0.7) {
      chaos.duplicated++;
      void axiosDeliver(target, body, info).catch(() => 0);
    }
    return status;
  };
  const port = await freePort();
  const sim = await startSimulatorServer({
    accessToken: TOKEN,
    collectorId: Number(COLLECTOR),
    deliver,
    notifications: { retrySchedule: [1000, 3000, 10_000, 30_000] },
    seed: 7,
    // the Orders API has no notification_url: the application's Webhooks setting, signed
    ordersNotificationUrl: `http://127.0.0.1:${port}/webhooks/mercadopago`,
    ordersWebhookSecret: SIGNING_SECRET,
  });
  sim.sim.faults.set({ endpoint: "*", kind: "500", rate: 0.05 });

  const env = {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    MP_ACCESS_TOKEN: TOKEN,
    MP_COLLECTOR_ID: COLLECTOR,
    MP_BASE_URL: sim.baseUrl,
    MP_TIMEOUT_MS: "2000",
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    API_KEYS: KEY,
    NODE_ENV: "production",
    LOG_LEVEL: "error",
    ORDER_TTL_SECONDS: "30",
    RECONCILE_AFTER_MS: "3000",
    RECONCILE_INTERVAL_MS: "1000",
    MP_API: API,
    ...(API === "orders" ? { MP_WEBHOOK_SIGNING_SECRET: SIGNING_SECRET } : {}),
  };
  /** The customer pays (or fails to pay) whatever order of ours is on the POS. */
  const pay = (pos: string, status: "approved" | "rejected") => {
    if (API === "orders") sim.sim.payOrder(pos, status);
    else sim.sim.pay(pos, { status });
  };
  let service: ServiceProcess = await startService(env);
  let restarting: Promise<void> | null = null;

  const refs: string[] = [];
  let issued = 0;
  let restarted = false;

  /** POST until the service answers (a restart makes requests fail; the replay is idempotent). */
  async function call<T>(
    fn: () => Promise<T & { status: number }>,
  ): Promise<T & { status: number }> {
    for (;;) {
      if (restarting) await restarting;
      try {
        const res = await fn();
        if (res.status < 500 || res.status === 502 || res.status === 504) return res;
      } catch {
        // connection refused or reset while the process restarts
      }
      await sleep(200);
    }
  }

  async function waitSettled(ref: string, maxMs: number): Promise<string> {
    const deadline = Date.now() + maxMs;
    for (;;) {
      const res = await call(() => http.get(`${service.url}/orders/${ref}`, auth));
      const s = (res.data as { status?: string }).status ?? "unknown";
      if (s !== "pending" || Date.now() > deadline) return s;
      await sleep(150);
    }
  }

  async function lane(lane: number) {
    const pos = `SOAKPOS${lane}`;
    for (;;) {
      const n = issued++;
      if (n >= SALES) return;
      if (!restarted && n >= SALES / 2) {
        restarted = true;
        restarting = (async () => {
          await service.kill(); // SIGKILL: no graceful anything
          service = await startService(env);
        })();
        await restarting;
        restarting = null;
      }
      const ref = `soak-${n}-${randomBytes(3).toString("hex")}`;
      const body = {
        store_id: "SOAK",
        pos_id: pos,
        external_reference: ref,
        items: [
          {
            title: "Item",
            unit_price: 1 + Math.floor(random() * 5000) / 100,
            quantity: 1 + Math.floor(random() * 3),
          },
        ],
      };
      let created = await call(() => http.post(`${service.url}/sales`, body, auth));
      while (
        created.status === 409 &&
        (created.data as { error?: { code?: string } }).error?.code === "pos_busy"
      ) {
        await sleep(500); // our previous sale on this POS has not ended yet
        created = await call(() => http.post(`${service.url}/sales`, body, auth));
      }
      refs.push(ref);
      if (created.status !== 201 && created.status !== 200) continue; // failed at creation: nothing to pay
      const r = random();
      try {
        if (r < 0.75) {
          pay(pos, "approved");
        } else if (r < 0.85) {
          pay(pos, "rejected");
          await sleep(random() * 300);
          pay(pos, "approved");
        } else if (r < 0.9) {
          await call(() => http.delete(`${service.url}/orders/${ref}`, auth));
        } else if (r < 0.95) {
          // the customer pays while the cashier cancels
          await Promise.all([
            call(() => http.delete(`${service.url}/orders/${ref}`, auth)),
            (async () => {
              await sleep(random() * 50);
              try {
                pay(pos, "approved");
              } catch {
                // the order was already taken off the POS
              }
            })(),
          ]);
        }
        // else: the customer walks away; the sale expires
      } catch {
        // the order was no longer on the POS (e.g. a PUT that failed): nothing to pay
      }
      await waitSettled(ref, 120_000);
    }
  }

  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => lane(i)));

  // let stragglers settle (expiry, retried notifications), then compare with the truth
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  for (let i = 0; i < 120; i++) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM sales WHERE status = 'pending'`,
    );
    if (rows[0].n === 0) break;
    await sleep(1000);
  }
  const { rows: sales } = await db.query(`SELECT external_reference, status FROM sales`);
  const counts: Record<string, number> = {};
  let lost = 0;
  let falsePaid = 0;
  for (const s of sales) {
    counts[s.status] = (counts[s.status] ?? 0) + 1;
    const truth = sim.sim.truth(s.external_reference);
    const paidHere = s.status === "paid" || s.status === "refunded";
    if (truth.paid && !paidHere) lost++;
    if (!truth.paid && paidHere) falsePaid++;
  }
  const { rows: doubles } = await db.query(
    `SELECT count(*)::int AS n FROM (SELECT sale_id, to_status FROM sale_events GROUP BY 1, 2 HAVING count(*) > 1) d`,
  );
  // how each sale came to be paid: a notification, the reconciler, the final read at expiry, a
  // staff refresh, or the answer of a create or cancel
  const { rows: paidBy } = await db.query(
    `SELECT source, count(*)::int AS n FROM sale_events WHERE to_status = 'paid' GROUP BY 1`,
  );
  const wall = (Date.now() - started) / 1000;
  await db.end();
  await service.stop();
  await sim.close();
  await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
  await admin.end();

  const result = {
    api: API,
    sales: sales.length,
    paid: counts.paid ?? 0,
    paid_by: Object.fromEntries(paidBy.map((r: { source: string; n: number }) => [r.source, r.n])),
    expired: counts.expired ?? 0,
    cancelled: counts.cancelled ?? 0,
    failed: counts.failed ?? 0,
    pending: counts.pending ?? 0,
    lost,
    false_paid: falsePaid,
    double_transitions: doubles[0].n,
    wall_seconds: Math.round(wall),
    chaos,
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `${API}: sales ${result.sales}, paid ${result.paid}, false_paid ${falsePaid}, expired ${result.expired}, lost ${lost}, double_transitions ${result.double_transitions}, wall seconds ${result.wall_seconds}`,
  );
  process.exit(
    lost === 0 && falsePaid === 0 && result.double_transitions === 0 && result.pending === 0
      ? 0
      : 1,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
