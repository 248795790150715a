// Every setting of `npm run bench`, from BENCH_* variables (see bench/README.md), and the
// credentials the run gives the service.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

export const CONNECTIONS = intEnv("BENCH_CONNECTIONS", 50);
export const DURATION_S = intEnv("BENCH_DURATION_S", 10);
export const WARMUP_S = intEnv("BENCH_WARMUP_S", 3);
export const ORDERS = intEnv("BENCH_ORDERS", 10_000);
export const WEBHOOK_ORDERS = 1_000;
export const SALES_POS = intEnv("BENCH_SALES_POS", 2_000);
export const SETTLE_SALES = intEnv("BENCH_SETTLE_SALES", 10_000);
export const RECONCILE_SALES = intEnv("BENCH_RECONCILE_SALES", 10_000);
/** concurrency of the bench's own helper calls (creating sales, paying them) */
export const DRIVER_CONCURRENCY = intEnv("BENCH_DRIVER_CONCURRENCY", 32);
export const PHASE_TIMEOUT_MS = intEnv("BENCH_PHASE_TIMEOUT_S", 300) * 1000;
/** how long to wait for the backlog to clear between phases */
export const QUIET_TIMEOUT_MS = intEnv("BENCH_QUIET_TIMEOUT_S", 120) * 1000;
export const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "info";
/** BENCH_FLOOR=0: no floor server after the service (bench/floor-server.ts) */
export const FLOOR = process.env.BENCH_FLOOR !== "0";
export const CPU_PROF = process.env.BENCH_CPU_PROF === "1";
/** "process": the simulator in a process of its own (default); "inline": zero-config mode */
export const SIMULATOR = process.env.BENCH_SIMULATOR ?? "process";
if (SIMULATOR !== "process" && SIMULATOR !== "inline") {
  throw new Error("BENCH_SIMULATOR must be process or inline");
}
export const PHASES = new Set(
  (process.env.BENCH_PHASES ?? "orders,sales,settle,webhook,reconcile").split(","),
);
export const ADMIN_URL =
  process.env.BENCH_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const API_KEY = `bench-${randomBytes(12).toString("hex")}`;
/** the service's WEBHOOK_SECRET: the webhook phase delivers as Mercado Pago does, secret included */
export const WEBHOOK_SECRET = `bench_${randomBytes(12).toString("hex")}`;
