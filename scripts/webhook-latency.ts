// npm run webhook-latency: how long an outbound event takes from being written (in the
// transaction that paid the sale) to a receiver on loopback having it. N sales are paid through
// the simulator by a few POS at once; the service runs as its own process, as in production.
//
//   LATENCY_SALES=500 LATENCY_LANES=10 npm run webhook-latency
//
// Prints p50/p90/p99/max of: event written → received (the outbox and sender alone), and, as the
// same run's baseline, the customer paying at the simulator → the sale.paid event received
// (Mercado Pago's notification, the read, the settlement, then the outbox).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import axios from "axios";
import pg from "pg";
import { startSimulatorServer } from "mercadopago-simulator";
import { migrate } from "../src/db/database.ts";
import { freePort, startService } from "../test/process-helpers.ts";

const SALES = Number(process.env.LATENCY_SALES ?? 500);
const LANES = Number(process.env.LATENCY_LANES ?? 10);
const ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const TOKEN = `APP_USR-latency-${randomBytes(8).toString("hex")}`;
const COLLECTOR = "424242";
const KEY = `latency-key-${randomBytes(8).toString("hex")}`;
const http = axios.create({ validateStatus: () => true, timeout: 15_000 });
const auth = { headers: { Authorization: `Bearer ${KEY}` } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(name: string, values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const f = (p: number) => `${Math.round(percentile(s, p))}`;
  return `${name}: n=${s.length} p50=${f(50)} ms p90=${f(90)} ms p99=${f(99)} ms max=${f(100)} ms`;
}

async function main() {
  const dbName = `latency_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  await migrate(url.toString());

  // the store's system: notes when each sale.paid arrives
  const received = new Map<string, { at: number; createdAt: number }>();
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const at = Date.now();
      const e = JSON.parse(body) as {
        type: string;
        created_at: string;
        data: { sale: { external_reference: string } };
      };
      if (e.type === "sale.paid") {
        received.set(e.data.sale.external_reference, { at, createdAt: Date.parse(e.created_at) });
      }
      res.writeHead(204).end();
    });
  }).listen(0, "127.0.0.1");
  await new Promise((r) => receiver.once("listening", r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  const port = await freePort();
  const sim = await startSimulatorServer({ accessToken: TOKEN, collectorId: Number(COLLECTOR) });
  // development: the receiver may be http on loopback
  const service = await startService({
    PORT: String(port),
    DATABASE_URL: url.toString(),
    MP_ACCESS_TOKEN: TOKEN,
    MP_COLLECTOR_ID: COLLECTOR,
    MP_BASE_URL: sim.baseUrl,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    API_KEYS: KEY,
    NODE_ENV: "development",
    LOG_LEVEL: "error",
  });
  const created = await http.post(
    `${service.url}/webhook-endpoints`,
    { url: receiverUrl, events: ["sale.paid"] },
    auth,
  );
  if (created.status !== 201) throw new Error(`endpoint: ${created.status}`);

  const paidAt = new Map<string, number>();
  let issued = 0;
  let lost = 0;
  async function lane(n: number) {
    const pos = `LATPOS${n}`;
    for (;;) {
      const i = issued++;
      if (i >= SALES) return;
      const ref = `lat-${i}-${randomBytes(3).toString("hex")}`;
      const body = {
        store_id: "LAT",
        pos_id: pos,
        external_reference: ref,
        items: [{ title: "Item", unit_price: 10, quantity: 1 }],
      };
      const res = await http.post(`${service.url}/sales`, body, auth);
      if (res.status !== 201) throw new Error(`sale ${ref}: ${res.status}`);
      paidAt.set(ref, Date.now());
      sim.sim.pay(pos, { status: "approved" });
      const deadline = Date.now() + 30_000;
      while (!received.has(ref) && Date.now() < deadline) await sleep(5);
      if (!received.has(ref)) lost++;
    }
  }
  const started = Date.now();
  await Promise.all(Array.from({ length: LANES }, (_, n) => lane(n)));
  const wallS = (Date.now() - started) / 1000;

  const outbox: number[] = [];
  const endToEnd: number[] = [];
  for (const [ref, r] of received) {
    outbox.push(r.at - r.createdAt);
    endToEnd.push(r.at - (paidAt.get(ref) ?? r.at));
  }
  console.log(
    `sales=${SALES} lanes=${LANES} received=${received.size} lost=${lost} wall=${wallS.toFixed(1)} s`,
  );
  console.log(summary("event written -> received", outbox));
  console.log(summary("customer paid -> received (baseline: the whole path)", endToEnd));

  await service.kill();
  await sim.close();
  await new Promise((r) => receiver.close(r));
  await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
  await admin.end();
  if (lost > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
