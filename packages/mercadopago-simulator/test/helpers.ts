import { once } from "node:events";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";

import { createSimulator } from "../src/simulator.ts";
import type { Simulator, SimulatorOptions } from "../src/simulator.ts";

export const TOKEN = "APP_USR-1234567890-simulator-test-token";
export const COLLECTOR = 446566691;
export const AUTH = { Authorization: `Bearer ${TOKEN}` };

export const orderPath = (pos = "POS1", store = "STORE1", user: string | number = COLLECTOR) =>
  `/mp/instore/qr/seller/collectors/${user}/stores/${store}/pos/${pos}/orders`;
export const posOrderPath = (pos = "POS1", user: string | number = COLLECTOR) =>
  `/mp/instore/qr/seller/collectors/${user}/pos/${pos}/orders`;

/** A fake clock for `now`, starting at a fixed instant. */
export function fakeClock(start = "2025-06-01T15:00:00.000Z") {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
    iso(offsetMs = 0) {
      return new Date(t + offsetMs).toISOString();
    },
  };
}

/** A valid order body (150.50 in two items). */
export function orderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    external_reference: "sale-000123",
    title: "Venta 000123",
    description: "Venta en caja 1",
    total_amount: 150.5,
    items: [
      {
        sku_number: "A1",
        category: "food",
        title: "Pasta",
        description: "Pasta 500g",
        unit_price: 50.25,
        quantity: 2,
        unit_measure: "unit",
        total_amount: 100.5,
      },
      {
        sku_number: "B7",
        category: "food",
        title: "Salsa",
        unit_price: 50,
        quantity: 1,
        unit_measure: "unit",
        total_amount: 50,
      },
    ],
    ...overrides,
  };
}

export function testSimulator(extra: Partial<SimulatorOptions> = {}): Simulator {
  return createSimulator({
    accessToken: TOKEN,
    collectorId: COLLECTOR,
    sweepIntervalMs: 0,
    deliver: async () => 200,
    ...extra,
  });
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A loopback HTTP server recording every request; answers with `statuses` in turn, then 200. */
export async function startReceiver(statuses: number[] = []) {
  const received: ReceivedRequest[] = [];
  const queue = [...statuses];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.statusCode = queue.shift() ?? 200;
      res.end("ok");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
