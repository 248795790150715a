import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import axios from "axios";
import nock from "nock";
import { loadConfig } from "../src/config.ts";
import {
  endpointTemplate,
  mercadoPagoRegistry,
  observeMercadoPagoCalls,
} from "../src/metrics/mercadopago-calls.ts";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import {
  COLLECTOR,
  MP_BASE,
  TOKEN,
  auth,
  buildHarness,
  createTestDb,
  saleBody,
  slowReply,
  type Harness,
  type TestDb,
} from "./helpers.ts";
import { listenOnLoopback, notifyService } from "./simulator-flows.ts";

// A sale paid through the simulator (real HTTP both ways), then what /metrics shows of it.

const METRICS_TOKEN = "metrics-token-0123456789";

let db: TestDb;
let sim: SimulatorServer;
let h: Harness;
let open: Harness;
let server: Server;

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulatorServer({
    accessToken: TOKEN,
    collectorId: Number(COLLECTOR),
    sweepIntervalMs: 0,
  });
  h = buildHarness(db, { mpBaseUrl: sim.baseUrl, timeoutMs: 1000, metrics: METRICS_TOKEN });
  open = buildHarness(db, { mpBaseUrl: sim.baseUrl, metrics: true });
  server = await listenOnLoopback(h.app);
  notifyService(sim, server);
});
afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => server.close(resolve));
  await db.drop();
});

async function drain() {
  await sim.sim.notifier.idle();
  for (let i = 0; i < 20; i++) {
    const due = await db.prisma.notification.count({
      where: { processedAt: null, dueAt: { lte: new Date() } },
    });
    if (due === 0) return;
    await h.worker.runOnce();
  }
}

async function scrape(): Promise<string> {
  const res = await request(h.app).get("/metrics").set("Authorization", `Bearer ${METRICS_TOKEN}`);
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
}

/** The value of the first sample of `name` whose labels include every one of `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return null;
}

describe("GET /metrics", () => {
  it("after a sale paid through the simulator: transitions, HTTP and Mercado Pago calls, bounded labels", async () => {
    const body = saleBody();
    const created = await request(h.app).post("/sales").set(auth).send(body);
    expect(created.status).toBe(201);
    const ref = body.external_reference;
    expect((await request(h.app).get(`/orders/${ref}`).set(auth)).status).toBe(200);
    expect((await request(h.app).get(`/orders/${ref}`)).status).toBe(401);
    expect((await request(h.app).get(`/nothing/here/${ref}`).set(auth)).status).toBe(404);
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    expect(
      (await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } })).status,
    ).toBe("paid");

    let text = await scrape();
    // the time to paid is measured off the worker's path: give it a moment
    for (let i = 0; i < 20 && sample(text, "sale_time_to_paid_seconds_count") === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      text = await scrape();
    }

    expect(
      sample(text, "sale_transitions_total", { from: "none", to: "pending", source: "create" }),
    ).toBe(1);
    expect(
      sample(text, "sale_transitions_total", { from: "pending", to: "paid", source: "webhook" }),
    ).toBe(1);
    expect(sample(text, "sale_time_to_paid_seconds_count", { source: "webhook" })).toBe(1);
    expect(
      sample(text, "http_request_duration_seconds_count", {
        method: "POST",
        route: "/sales",
        status: "201",
      }),
    ).toBe(1);
    expect(
      sample(text, "http_request_duration_seconds_count", {
        method: "GET",
        route: "/orders/:ref",
        status: "200",
      }),
    ).toBe(1);
    expect(
      sample(text, "http_request_duration_seconds_count", {
        method: "GET",
        route: "unmatched",
        status: "404",
      }),
    ).toBe(1);
    expect(
      sample(text, "http_request_duration_seconds_count", {
        method: "POST",
        route: "/webhooks/mercadopago",
      }),
    ).toBeGreaterThan(0);
    expect(
      sample(text, "mercadopago_request_duration_seconds_count", {
        endpoint: "PUT /instore/qr/seller/collectors/:id/stores/:id/pos/:id/orders",
        outcome: "204",
      }),
    ).toBe(1);
    expect(
      sample(text, "mercadopago_request_duration_seconds_count", {
        endpoint: "GET /merchant_orders/:id",
      }),
    ).toBeGreaterThan(0);
    expect(sample(text, "notification_inbox_depth")).toBe(0);
    expect(sample(text, "notification_inbox_oldest_due_seconds")).toBe(0);
    expect(sample(text, "reconciler_backlog")).toBe(0);
    expect(sample(text, "metrics_database_up")).toBe(1);
    expect(sample(text, "db_pool_connections", { state: "idle" })).toBeGreaterThan(0);
    expect(sample(text, "db_pool_waiting")).toBe(0);
    expect(sample(text, "process_cpu_user_seconds_total")).not.toBeNull();
    // the scrape itself is not API traffic
    expect(text).not.toContain('route="/metrics"');

    // no reference, POS id, store id or collector id in any label
    for (const raw of [ref, body.pos_id, body.store_id, COLLECTOR]) expect(text).not.toContain(raw);
  });

  it("counts what is due: inbox depth, the oldest due notification, the reconciler's backlog", async () => {
    const body = saleBody();
    expect((await request(h.app).post("/sales").set(auth).send(body)).status).toBe(201);
    await db.prisma.sale.update({
      where: { externalReference: body.external_reference },
      data: { nextCheckAt: new Date(Date.now() - 1000) },
    });
    await db.prisma.notification.create({
      data: {
        topic: "merchant_order",
        resourceId: "987654321",
        dueAt: new Date(Date.now() - 60_000),
      },
    });
    await db.prisma.notification.create({
      data: { topic: "payment", resourceId: "987654322", dueAt: new Date(Date.now() + 60_000) },
    });
    const text = await scrape();
    expect(sample(text, "notification_inbox_depth")).toBe(2);
    expect(sample(text, "notification_inbox_oldest_due_seconds")).toBeGreaterThanOrEqual(59);
    expect(sample(text, "notification_inbox_oldest_due_seconds")).toBeLessThan(120);
    expect(sample(text, "reconciler_backlog")).toBe(1);
    await db.prisma.notification.deleteMany({
      where: { resourceId: { in: ["987654321", "987654322"] } },
    });
    await db.prisma.sale.update({
      where: { externalReference: body.external_reference },
      data: { status: "cancelled", nextCheckAt: null },
    });
  });

  it("needs METRICS_TOKEN when it is set: missing and wrong are 401 with the one error body", async () => {
    const missing = await request(h.app).get("/metrics");
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("unauthorized");
    expect(missing.body.error.message).toMatch(/missing metrics token/);
    expect(missing.headers["www-authenticate"]).toMatch(/^Bearer/);
    const wrong = await request(h.app)
      .get("/metrics")
      .set("Authorization", "Bearer not-the-token-at-all");
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toBe("the metrics token is not valid");
    expect(wrong.headers["www-authenticate"]).toContain('error="invalid_token"');
    // an API key is not the metrics token
    expect((await request(h.app).get("/metrics").set(auth)).status).toBe(401);
    expect(
      (await request(h.app).get("/metrics").set("Authorization", `Bearer ${METRICS_TOKEN}`)).status,
    ).toBe(200);
  });

  it("is open when METRICS_TOKEN is not set", async () => {
    const res = await request(open.app).get("/metrics");
    expect(res.status).toBe(200);
    expect(res.text).toContain("# TYPE http_request_duration_seconds histogram");
  });

  it("every metric of the Grafana dashboard exists in the output", async () => {
    const dashboard = JSON.parse(readFileSync("deploy/grafana-dashboard.json", "utf8")) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const text = await scrape();
    const names = new Set(
      text
        .split("\n")
        .filter((l) => l.startsWith("# TYPE "))
        .flatMap((l) => {
          const [, , name, type] = l.split(" ");
          return type === "histogram" || type === "summary"
            ? [`${name}_bucket`, `${name}_count`, `${name}_sum`]
            : [name];
        }),
    );
    const used = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(used.length).toBeGreaterThan(5);
    const functions = new Set([
      "sum",
      "rate",
      "increase",
      "histogram_quantile",
      "max",
      "min",
      "avg",
    ]);
    for (const expr of used) {
      const bare = expr
        .replace(/\{[^}]*\}/g, "")
        .replace(/\[[^\]]*\]/g, "")
        .replace(/\b(by|without) \([^)]*\)/g, "");
      const metricNames = [...bare.matchAll(/[a-z_:][a-z0-9_:]*/g)]
        .map((m) => m[0])
        .filter((w) => !functions.has(w));
      expect(metricNames.length, expr).toBeGreaterThan(0);
      for (const name of metricNames) expect(names.has(name), `${name} in ${expr}`).toBe(true);
    }
  });
});

describe("endpointTemplate", () => {
  it.each([
    [
      "PUT",
      "/instore/qr/seller/collectors/123/stores/SUC001/pos/POS1/orders",
      "PUT /instore/qr/seller/collectors/:id/stores/:id/pos/:id/orders",
    ],
    [
      "delete",
      "/instore/qr/seller/collectors/123/pos/POS1/orders",
      "DELETE /instore/qr/seller/collectors/:id/pos/:id/orders",
    ],
    ["GET", "/merchant_orders/12345", "GET /merchant_orders/:id"],
    ["GET", "/merchant_orders/search?external_reference=abc", "GET /merchant_orders/search"],
    ["GET", "https://api.mercadopago.com/v1/payments/999", "GET /v1/payments/:id"],
    ["POST", "/v1/payments/999/refunds", "POST /v1/payments/:id/refunds"],
    ["POST", "/v1/orders", "POST /v1/orders"],
    ["GET", "/v1/orders/ORD01JQ4S4KY8HWQ6NA5PXB65B3D3", "GET /v1/orders/:id"],
    ["POST", "/v1/orders/ORD01JQ4S4KY8HWQ6NA5PXB65B3D3/cancel", "POST /v1/orders/:id/cancel"],
    ["POST", "/v1/orders/abcdef/refund", "POST /v1/orders/:id/refund"],
    ["GET", "/users/me", "GET /users/me"],
    ["POST", "/users/123/stores", "POST /users/:id/stores"],
    ["GET", "/users/123/stores/search?external_id=SUC001", "GET /users/:id/stores/search"],
    ["GET", "/pos?external_id=POS1", "GET /pos"],
    ["GET", "/some/Weird-Thing/42", "GET /some/:id/:id"],
  ])("%s %s → %s", (method, url, expected) => {
    expect(endpointTemplate(method, url)).toBe(expected);
  });
});

describe("Mercado Pago calls that get no answer", () => {
  it("are counted with outcome network_error or timeout", async () => {
    const http = observeMercadoPagoCalls(
      axios.create({ baseURL: MP_BASE, validateStatus: () => true, timeout: 50 }),
    );
    nock(MP_BASE).get("/v1/payments/111").replyWithError("socket hang up");
    nock(MP_BASE)
      .get("/v1/payments/222")
      .reply(slowReply(500, 200, {}));
    await expect(http.get("/v1/payments/111")).rejects.toThrow();
    await expect(http.get("/v1/payments/222")).rejects.toThrow();
    nock.cleanAll();
    const text = await mercadoPagoRegistry.metrics();
    const count = (outcome: string) =>
      sample(text, "mercadopago_request_duration_seconds_count", {
        endpoint: "GET /v1/payments/:id",
        outcome,
      });
    expect(count("network_error")).toBe(1);
    expect(count("timeout")).toBe(1);
    // no label carries the id (a sample's value may contain those digits by chance)
    expect(text).not.toMatch(/="[^"]*111[^"]*"/);
  });
});

describe("METRICS_TOKEN", () => {
  it("is optional, and refused at boot when too short to be a secret", () => {
    expect(loadConfig({ NODE_ENV: "development" }).metricsToken).toBeUndefined();
    expect(loadConfig({ NODE_ENV: "development", METRICS_TOKEN: METRICS_TOKEN }).metricsToken).toBe(
      METRICS_TOKEN,
    );
    expect(() => loadConfig({ NODE_ENV: "development", METRICS_TOKEN: "short" })).toThrow(
      /METRICS_TOKEN: must be 16-512 printable characters/,
    );
  });
});
