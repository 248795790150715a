// What one Mercado Pago call costs the service's CPU, against the same GET sent with node:http
// alone, in one process and one run, alternated: `npx tsx bench/upstream-call.ts`. The upstream
// is a local server in the same process answering a small merchant order, so its share is the
// same in every case and the differences are the client's: axios as the transport configures it,
// with and without the whole-call AbortSignal, and the transport itself (limiter, deadline,
// idempotency key, the metrics' interceptors).
import http from "node:http";
import axios from "axios";
import { pino } from "pino";
import { createTransport } from "../src/mercadopago/mercadopago.transport.ts";
import { observeMercadoPagoCalls } from "../src/metrics/mercadopago-calls.ts";
import { median, table } from "./format.ts";

const CALLS = Number(process.env.UPSTREAM_BENCH_CALLS ?? 6000);
const ROUNDS = Number(process.env.UPSTREAM_BENCH_ROUNDS ?? 5);
const IN_FLIGHT = 16;
const PATH = "/merchant_orders/1";

const body = JSON.stringify({
  id: 1,
  status: "closed",
  order_status: "paid",
  external_reference: "sale-53c7c443e237",
  payments: [{ id: 2, status: "approved", transaction_amount: 5 }],
});
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as { port: number };
const baseUrl = `http://127.0.0.1:${port}`;
const headers = { Authorization: "Bearer APP_USR-bench", Accept: "application/json" };

// the transport's own agents' options (keep-alive delay as axios sets it)
const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60_000, scheduling: "lifo" });
function plainGet(): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: PATH, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
    });
    req.on("error", reject);
    req.end();
  });
}

const ax = axios.create({
  baseURL: baseUrl,
  timeout: 5000,
  headers,
  validateStatus: () => true,
  maxRedirects: 0,
  httpAgent: agent,
  proxy: false,
});
const logger = pino({ level: "info" }, { write: () => undefined });
const transport = createTransport({
  baseUrl,
  accessToken: "APP_USR-bench",
  collectorId: "1",
  timeoutMs: 5000,
  logger,
  observe: observeMercadoPagoCalls,
});

const cases: [string, () => Promise<unknown>][] = [
  ["node:http alone", plainGet],
  ["axios", () => ax.request({ method: "GET", url: PATH })],
  [
    "axios with an AbortSignal",
    () => ax.request({ method: "GET", url: PATH, signal: AbortSignal.timeout(5000) }),
  ],
  ["the service's transport", () => transport.send({ method: "GET", url: PATH })],
];

/** CPU µs per call (user + system; the local upstream's share included, the same for all). */
async function cpuPerCall(call: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < CALLS / IN_FLIGHT; i++) {
    await Promise.all(Array.from({ length: IN_FLIGHT }, call));
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CALLS;
}

const figures = new Map<string, number[]>();
for (const [, call] of cases) await cpuPerCall(call); // warm every path up first
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, call] of cases) {
    const list = figures.get(name) ?? [];
    list.push(await cpuPerCall(call));
    figures.set(name, list);
  }
}
const floor = median(figures.get("node:http alone") ?? []);
console.log(`${CALLS} GETs per round, ${IN_FLIGHT} in flight, ${ROUNDS} rounds alternated`);
const rows = [["client", "CPU µs per call (median)", "× node:http"]];
for (const [name] of cases) {
  const m = median(figures.get(name) ?? []);
  rows.push([name, m.toFixed(0), (m / floor).toFixed(2)]);
}
console.log(table(rows));
server.close();
agent.destroy();
