// What one log line of the sale paths costs the service's logger (src/logger.ts, credentials
// blanked) against pino writing the same line with no redaction at all, in one process and one
// run, alternated: `npx tsx bench/log-line.ts`. Each line is written to a sink that drops it, so
// the figure is the logger's own work. The lines are the ones every sale writes (its order on
// the POS, its status change) and an error line as an upstream failure writes it.
import { performance } from "node:perf_hooks";
import { AxiosError, AxiosHeaders, type InternalAxiosRequestConfig } from "axios";
import { pino, type Logger } from "pino";
import { createLogger } from "../src/logger.ts";
import { median, table } from "./format.ts";

const ROUNDS = Number(process.env.LOG_BENCH_ROUNDS ?? 7);
const LINES = Number(process.env.LOG_BENCH_LINES ?? 20_000);

const sink = { write: (_line: string) => undefined };

const upstreamError = new AxiosError("Request failed with status code 503", "ERR_BAD_RESPONSE", {
  headers: new AxiosHeaders({ Authorization: "Bearer APP_USR-x", Accept: "application/json" }),
  method: "get",
  url: "/merchant_orders/1",
} as InternalAxiosRequestConfig);

const lines: { what: string; write: (log: Logger) => void }[] = [
  {
    what: "order on the POS",
    write: (log) =>
      log.info(
        { externalReference: "sale-53c7c443e237", posId: "BP00001", totalCents: 500 },
        "order is on the POS",
      ),
  },
  {
    what: "status changed",
    write: (log) =>
      log.info(
        {
          externalReference: "sale-53c7c443e237",
          from: "pending",
          to: "paid",
          source: "webhook",
          upstreamId: "10000000001",
        },
        "sale status changed",
      ),
  },
  {
    what: "upstream error",
    write: (log) => log.warn({ err: upstreamError }, "Mercado Pago call failed"),
  },
];

function timeLines(log: Logger, write: (log: Logger) => void): number {
  const started = performance.now();
  for (let i = 0; i < LINES; i++) write(log);
  return ((performance.now() - started) * 1000) / LINES; // µs per line
}

const service = createLogger("info", sink).child({ component: "sales" });
const bare = pino({ level: "info" }, sink).child({ component: "sales" });

const rows = [["line", "pino, no redaction (µs)", "service's logger (µs)", "×"]];
for (const { what, write } of lines) {
  const ours: number[] = [];
  const base: number[] = [];
  timeLines(service, write); // warm both up before the rounds
  timeLines(bare, write);
  for (let r = 0; r < ROUNDS; r++) {
    base.push(timeLines(bare, write));
    ours.push(timeLines(service, write));
  }
  const b = median(base);
  const o = median(ours);
  rows.push([what, b.toFixed(2), o.toFixed(2), (o / b).toFixed(2)]);
}
console.log(table(rows));
