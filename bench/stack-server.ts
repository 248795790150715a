// The service's HTTP stack without a database: the production build's createApp (access log,
// security headers, metrics, key check, routing, presenter) with a sales service that answers
// GET /orders/:ref from memory. Run as a child of bench/stack.ts; STACK_DIST names the build.
import { pathToFileURL } from "node:url";
import path from "node:path";

const port = Number(process.env.PORT);
const dist = path.resolve(process.env.STACK_DIST ?? "dist");
const load = async <T>(file: string) =>
  (await import(pathToFileURL(path.join(dist, file)).href)) as T;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- another build's modules, untyped here
type AnyFn = (...args: any[]) => any;
const { createApp } = await load<{ createApp: AnyFn }>("app.js");
const { createLogger } = await load<{ createLogger: AnyFn }>("logger.js");
const { createMetrics } = await load<{ createMetrics: AnyFn }>("metrics/metrics.js");

const at = new Date("2026-11-29T12:00:00Z");
const sale = {
  id: "1",
  externalReference: "stack-000001",
  storeId: "BENCH",
  posId: "POS1",
  title: "Sale 1",
  description: "Sale 1",
  items: [{ title: "Coffee", quantity: 2, unitMeasure: "unit", unitPriceCents: 250 }],
  taxes: null,
  totalCents: 500,
  status: "paid",
  orderState: "withdrawn",
  failure: null,
  merchantOrderId: 20000000001,
  merchantOrderStatus: "closed",
  paidCents: 500,
  refundedCents: 0,
  payments: [{ id: 30000000001, status: "approved", amount: 5 }],
  requestHash: "x",
  expiresAt: at,
  paidAt: at,
  cancelledAt: null,
  nextCheckAt: null,
  checkAttempts: 0,
  mercadopagoApi: "instore_v2",
  orderId: null,
  orderPaymentId: null,
  orderStatus: null,
  qrData: null,
  createdAt: at,
  updatedAt: at,
};

const logger: unknown = createLogger("info");
const app = createApp({
  logger,
  sales: { get: async () => ({ ...sale }) },
  recordNotification: async () => {},
  ping: async () => {},
  config: {
    apiKeys: [process.env.API_KEY ?? ""],
    webhookSecret: undefined,
    rateLimitPerMinute: undefined,
  },
  metrics: createMetrics({ logger }),
}) as { listen(port: number, host: string): import("node:http").Server };

const server = app.listen(port, "127.0.0.1");
server.keepAliveTimeout = 5_000;
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
