// npm run soak: thousands of sales through the simulator with chaos on and a process restart
// midway, then every sale compared with the simulator's truth. Not a CI test: it takes minutes.
//
//   SOAK_SALES=5000 SOAK_CONCURRENCY=50 npm run soak
//   MP_API=orders npm run soak        # the same on the Orders API (signed `order` webhooks)
//   SOAK_MERCHANTS=3 npm run soak     # platform mode: three merchants connected by the
//                                     # simulator's OAuth, each with its own store and POS
//
// In platform mode a proxy between the service and the simulator records which seller's token
// each call used; a call with the platform's own token about a merchant's sale is answered 404,
// as Mercado Pago keeps accounts apart (SOAK_APART=0: passed through, as the simulator answers).
// It prints, per merchant: sales, paid, lost (paid by the customer and not paid here, or paid
// here and not by the customer) and crossed (a sale whose order went to, or was read through,
// another merchant's account), and how the paid ones settled.
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
import {
  connectMerchant,
  crossedSales,
  soakSellers,
  startRecordingProxy,
  type SoakMerchant,
} from "./soak-platform.ts";

const MERCHANTS = Number(process.env.SOAK_MERCHANTS ?? 0);
const SALES = Number(process.env.SOAK_SALES ?? (MERCHANTS > 0 ? 1500 : 5000));
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? (MERCHANTS > 0 ? 30 : 50));
const APART = process.env.SOAK_APART !== "0";
const CLIENT_ID = "5550001112223334";
const CLIENT_SECRET = `soak-client-secret-${randomBytes(8).toString("hex")}`;
const ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const TOKEN = `APP_USR-soak-${randomBytes(8).toString("hex")}`;
const COLLECTOR = "424242";
const KEY = `soak-key-${randomBytes(8).toString("hex")}`;
// platform mode runs on the Orders API unless told: today's simulator checks instore v2's
// collector path against its one collector, so merchants' v2 orders need its seller split first
const API =
  (process.env.MP_API ?? (process.env.SOAK_MERCHANTS ? "orders" : "instore_v2")) === "orders"
    ? "orders"
    : "instore_v2";
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
    ...(MERCHANTS > 0
      ? {
          oauth: {
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            sellers: soakSellers(MERCHANTS),
          },
        }
      : {}),
  });
  // platform mode: whose sale and POS is whose, filled as merchants connect and sales are made
  const sellerOfPos = new Map<string, number>();
  const sellerOfRef = new Map<string, number>();
  const proxy =
    MERCHANTS > 0
      ? await startRecordingProxy({
          target: sim.baseUrl,
          ownerOf: (token) =>
            token === TOKEN ? "platform" : (sim.sim.oauth?.sellerOf(token)?.userId ?? "unknown"),
          sellerOfRef: (ref) => sellerOfRef.get(ref) ?? null,
          sellerOfPos: (pos) => sellerOfPos.get(pos) ?? null,
          apart: APART,
        })
      : null;

  const env = {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    MP_ACCESS_TOKEN: TOKEN,
    MP_COLLECTOR_ID: COLLECTOR,
    MP_BASE_URL: proxy?.url ?? sim.baseUrl,
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
    ...(MERCHANTS > 0
      ? {
          MP_CLIENT_ID: CLIENT_ID,
          MP_CLIENT_SECRET: CLIENT_SECRET,
          TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
          MP_AUTH_URL: `${sim.url}/authorization`,
          // the simulator refuses marketplace_fee today (it has no OAuth-order rule yet): opt in
          ...(process.env.SOAK_FEE_PERCENT
            ? { MP_MARKETPLACE_FEE_PERCENT: process.env.SOAK_FEE_PERCENT }
            : {}),
        }
      : {}),
  };
  /** The customer pays (or fails to pay) whatever order of ours is on the POS. */
  const pay = (pos: string, status: "approved" | "rejected") => {
    if (API === "orders") sim.sim.payOrder(pos, status);
    else sim.sim.pay(pos, { status });
  };
  let service: ServiceProcess = await startService(env);
  const merchants: SoakMerchant[] = [];
  const setupDb = new pg.Client({ connectionString: databaseUrl });
  if (MERCHANTS > 0) await setupDb.connect();
  for (const [i, seller] of soakSellers(MERCHANTS).entries()) {
    const m = await connectMerchant({
      serviceUrl: service.url,
      simUrl: sim.url,
      auth,
      index: i,
      userId: seller.userId,
      posCount: Math.ceil(CONCURRENCY / MERCHANTS),
      db: setupDb,
    });
    for (const pos of m.posIds) sellerOfPos.set(pos, m.userId);
    merchants.push(m);
  }
  if (MERCHANTS > 0) await setupDb.end();
  // chaos once the merchants are connected: the OAuth exchange is not what this soaks
  sim.sim.faults.set({ endpoint: "*", kind: "500", rate: 0.05 });
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
    // platform mode: the lanes take turns over the merchants, each lane on a POS of its own
    const merchant = merchants.length > 0 ? merchants[lane % merchants.length]! : null;
    const pos = merchant ? merchant.posIds[Math.floor(lane / merchants.length)]! : `SOAKPOS${lane}`;
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
      if (merchant) sellerOfRef.set(ref, merchant.userId);
      const body = {
        store_id: merchant?.storeId ?? "SOAK",
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
  const { rows: sales } = await db.query(
    `SELECT s.external_reference, s.status, s.store_id,
            (SELECT e.source FROM sale_events e WHERE e.sale_id = s.id AND e.to_status = 'paid'
              ORDER BY e.id LIMIT 1) AS paid_by
       FROM sales s`,
  );
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
  // why creates failed (the first few answers), so a failing run says what refused it
  const { rows: failures } = await db.query(
    `SELECT failure->>'code' AS code, failure->>'message' AS message, count(*)::int AS n
       FROM sales WHERE status = 'failed' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5`,
  );
  const wall = (Date.now() - started) / 1000;
  const perMerchant = proxy
    ? merchantFigures(merchants, sales, proxy, sellerOfRef, sellerOfPos, (r) => sim.sim.truth(r))
    : null;
  await db.end();
  await service.stop();
  await sim.close();
  await proxy?.close();
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
    failures,
    ...(perMerchant
      ? {
          merchants: perMerchant.rows,
          crossed: perMerchant.crossed,
          platform_reads_refused: proxy!.refusedPlatformReads(),
          accounts_apart: APART,
        }
      : {}),
  };
  console.log(JSON.stringify(result, null, 2));
  for (const m of perMerchant?.rows ?? []) {
    console.log(
      `merchant ${m.merchant} (seller ${m.seller}, store ${m.store}): sales ${m.sales}, paid ${m.paid}, lost ${m.lost}, crossed ${m.crossed}, paid by ${JSON.stringify(m.paid_by)}`,
    );
  }
  console.log(
    `${API}: sales ${result.sales}, paid ${result.paid}, false_paid ${falsePaid}, expired ${result.expired}, lost ${lost}, double_transitions ${result.double_transitions}, wall seconds ${result.wall_seconds}`,
  );
  process.exit(
    lost === 0 &&
      falsePaid === 0 &&
      result.double_transitions === 0 &&
      result.pending === 0 &&
      (perMerchant?.crossed ?? 0) === 0 &&
      // a merchant none of whose sales got paid proved nothing
      (perMerchant?.rows ?? []).every((m) => m.paid > 0)
      ? 0
      : 1,
  );
}

interface SaleRow {
  external_reference: string;
  status: string;
  store_id: string;
  paid_by: string | null;
}

/**
 * Platform mode's figures per merchant: its sales (by the store they were made at), paid, lost
 * (against the simulator's truth, both ways) and crossed (a call of another merchant's account
 * named the sale or its POS, or the sale was stored at another merchant's store).
 */
function merchantFigures(
  merchants: SoakMerchant[],
  sales: SaleRow[],
  proxy: NonNullable<Awaited<ReturnType<typeof startRecordingProxy>>>,
  sellerOfRef: Map<string, number>,
  sellerOfPos: Map<string, number>,
  truthOf: (ref: string) => { paid: boolean },
) {
  const crossed = crossedSales(
    proxy.calls,
    (r) => sellerOfRef.get(r) ?? null,
    (p) => sellerOfPos.get(p) ?? null,
  );
  const platformReads = new Map<number, number>();
  for (const c of proxy.calls) {
    if (c.owner !== "platform") continue;
    for (const r of c.refs) {
      const seller = sellerOfRef.get(r);
      if (seller !== undefined) platformReads.set(seller, (platformReads.get(seller) ?? 0) + 1);
    }
  }
  const rows = merchants.map((m) => {
    const own = sales.filter((s) => sellerOfRef.get(s.external_reference) === m.userId);
    let lost = 0;
    let crossedHere = 0;
    const paidBy: Record<string, number> = {};
    for (const s of own) {
      const truth = truthOf(s.external_reference);
      const paidHere = s.status === "paid" || s.status === "refunded";
      if (truth.paid !== paidHere) lost++;
      if (s.paid_by) paidBy[s.paid_by] = (paidBy[s.paid_by] ?? 0) + 1;
      if (crossed.has(s.external_reference) || s.store_id !== m.storeId) crossedHere++;
    }
    crossedHere += m.posIds.filter((p) => crossed.has(`pos:${p}`)).length;
    return {
      merchant: m.index + 1,
      seller: m.userId,
      store: m.storeId,
      sales: own.length,
      paid: own.filter((s) => s.status === "paid" || s.status === "refunded").length,
      lost,
      crossed: crossedHere,
      paid_by: paidBy,
      platform_token_calls: platformReads.get(m.userId) ?? 0,
    };
  });
  return { rows, crossed: rows.reduce((n, r) => n + r.crossed, 0) };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
