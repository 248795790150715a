import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { SalesService } from "../../src/sales/sales.service.ts";
import {
  API_KEY,
  auth,
  buildHarness,
  createTestDb,
  expectPut,
  saleBody,
  uniqueRef,
  type Harness,
  type TestDb,
} from "../helpers.ts";

const OTHER_KEY = "second-full-key-0123456789";
const ORIGIN = "https://backoffice.example.com";

let db: TestDb;
let h: Harness;

beforeAll(async () => {
  db = await createTestDb();
  h = buildHarness(db);
});
afterAll(async () => {
  await db.drop();
});

describe("security headers", () => {
  const calls: [string, () => request.Test][] = [
    ["GET /health", () => request(h.app).get("/health")],
    ["a 401", () => request(h.app).get(`/orders/${uniqueRef()}`)],
    ["a 404 with a key", () => request(h.app).get(`/orders/${uniqueRef()}`).set(auth)],
    ["an unknown route", () => request(h.app).get("/admin")],
    ["the webhook", () => request(h.app).post("/webhooks/mercadopago").send({})],
    [
      "a 400",
      () =>
        request(h.app).post("/sales").set(auth).set("Content-Type", "application/json").send("{"),
    ],
  ];

  it.each(calls)("%s carries helmet's headers and no X-Powered-By", async (_n, call) => {
    const res = await call();
    expect(res.headers["x-powered-by"]).toBeUndefined();
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    expect(res.headers["x-request-id"]).toBeTruthy();
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("freshness", () => {
  it("a sale is served uncached and without an ETag, so a status poll never gets a stale 304", async () => {
    const body = saleBody();
    expectPut("SUC001", body.pos_id);
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    const res = await request(h.app)
      .get(`/orders/${body.external_reference}`)
      .set(auth)
      .expect(200);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers.etag).toBeUndefined();
    const unauthorized = await request(h.app).get(`/orders/${body.external_reference}`).expect(401);
    expect(unauthorized.headers["cache-control"]).toBe("no-store");
  });
});

describe("CORS", () => {
  it("when CORS_ORIGINS is unset, no response carries a CORS header, preflights included", async () => {
    const responses = await Promise.all([
      request(h.app).get("/health").set("Origin", ORIGIN),
      request(h.app).get(`/orders/${uniqueRef()}`).set(auth).set("Origin", ORIGIN),
      request(h.app)
        .options("/sales")
        .set("Origin", ORIGIN)
        .set("Access-Control-Request-Method", "POST"),
    ]);
    for (const res of responses) {
      const cors = Object.keys(res.headers).filter((k) => k.startsWith("access-control-"));
      expect(cors).toEqual([]);
    }
  });

  describe("with CORS_ORIGINS set", () => {
    let cors: Harness;
    beforeAll(() => {
      cors = buildHarness(db, { corsOrigins: [ORIGIN] });
    });

    it("a listed origin is allowed and may read X-Request-Id", async () => {
      const res = await request(cors.app)
        .get(`/orders/${uniqueRef()}`)
        .set(auth)
        .set("Origin", ORIGIN);
      expect(res.status).toBe(404);
      expect(res.headers["access-control-allow-origin"]).toBe(ORIGIN);
      expect(res.headers["access-control-expose-headers"]).toContain("X-Request-Id");
      expect(res.headers["vary"]).toMatch(/Origin/);
      expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
    });

    it("a listed origin's preflight is answered before authentication", async () => {
      const res = await request(cors.app)
        .options("/sales")
        .set("Origin", ORIGIN)
        .set("Access-Control-Request-Method", "POST")
        .set("Access-Control-Request-Headers", "authorization, content-type");
      expect(res.status).toBe(204);
      expect(res.headers["access-control-allow-origin"]).toBe(ORIGIN);
      expect(res.headers["access-control-allow-methods"]).toBe("GET, POST, DELETE");
      expect(res.headers["access-control-allow-headers"]).toMatch(/Authorization/);
    });

    it.each([
      ["another origin", "https://evil.example"],
      ["a look-alike", "https://backoffice.example.com.evil.example"],
      ["the origin with a path", `${ORIGIN}/`],
      ["another scheme", "http://backoffice.example.com"],
      ["null", "null"],
    ])("%s gets no CORS header, and its preflight reaches authentication", async (_n, origin) => {
      const get = await request(cors.app).get("/health").set("Origin", origin);
      const preflight = await request(cors.app)
        .options("/sales")
        .set("Origin", origin)
        .set("Access-Control-Request-Method", "POST");
      for (const res of [get, preflight]) {
        expect(res.headers["access-control-allow-origin"]).toBeUndefined();
        expect(res.headers["access-control-allow-methods"]).toBeUndefined();
      }
      expect(preflight.status).toBe(401);
    });

    it("CORS_ORIGINS accepts origins only", () => {
      const env = { NODE_ENV: "test", MP_SIMULATOR: "true", API_KEYS: API_KEY };
      expect(
        loadConfig({ ...env, CORS_ORIGINS: `${ORIGIN}, http://localhost:5173` }).corsOrigins,
      ).toEqual([ORIGIN, "http://localhost:5173"]);
      for (const bad of ["*", `${ORIGIN}/`, `${ORIGIN}/app`, "backoffice.example.com", "ftp://x"]) {
        expect(() => loadConfig({ ...env, CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS/);
      }
    });
  });
});

describe("rate limits (RATE_LIMIT_PER_MINUTE)", () => {
  it("the 4th request a minute with one key is 429 rate_limited with Retry-After; another key is not held up", async () => {
    const limited = buildHarness(db, { rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) {
      await request(limited.app).get(`/orders/${uniqueRef()}`).set(auth).expect(404);
    }

    const res = await request(limited.app).get(`/orders/${uniqueRef()}`).set(auth);

    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toMatch(/^\d+$/);
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(res.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(res.headers["ratelimit"]).toMatch(/remaining=0/);
    expect(res.body).toEqual({
      error: {
        code: "rate_limited",
        message: expect.any(String),
        request_id: res.headers["x-request-id"],
        details: [],
      },
    });

    // POST /sales is limited by the same key's bucket
    const post = await request(limited.app).post("/sales").set(auth).send({});
    expect(post.status).toBe(429);
  });

  it("keys have their own buckets", async () => {
    // an app with two full keys
    const two = createApp({
      logger: pino({ level: "silent" }),
      sales: h.sales,
      recordNotification: async () => undefined,
      ping: async () => undefined,
      config: {
        apiKeys: [API_KEY, OTHER_KEY],
        webhookSecret: undefined,
        rateLimitPerMinute: 2,
      },
    });
    const on = (key: string) =>
      request(two).get(`/orders/${uniqueRef()}`).set("Authorization", `Bearer ${key}`);
    await on(API_KEY).expect(404);
    await on(API_KEY).expect(404);
    await on(API_KEY).expect(429);
    await on(OTHER_KEY).expect(404);
  });

  it("callers without a valid key share their address's bucket, however many keys they make up", async () => {
    const limited = buildHarness(db, { rateLimitPerMinute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(limited.app)
        .get(`/orders/${uniqueRef()}`)
        .set("Authorization", `Bearer made-up-key-${i}-0123456789abcdef`);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // a caller with a valid key from the same address is not held up by them
    await request(limited.app).get(`/orders/${uniqueRef()}`).set(auth).expect(404);
  });

  it("the webhook is limited per address and answers 429 with the same body", async () => {
    const limited = buildHarness(db, { rateLimitPerMinute: 2 });
    await request(limited.app).post("/webhooks/mercadopago").send({}).expect(200);
    await request(limited.app).post("/webhooks/mercadopago").send({}).expect(200);
    const res = await request(limited.app).post("/webhooks/mercadopago").send({});
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toMatch(/^\d+$/);
    expect(res.body.error.code).toBe("rate_limited");
  });

  it("health and readiness are never limited", async () => {
    const limited = buildHarness(db, { rateLimitPerMinute: 1 });
    for (let i = 0; i < 5; i++) await request(limited.app).get("/health").expect(200);
  });
});

describe("failures inside the service", () => {
  const secretDetail = "connect ECONNREFUSED postgresql://pos:hunter2@db.internal:5432/pos";
  const lines: string[] = [];
  const broken = () =>
    createApp({
      logger: pino({ level: "info" }, { write: (l: string) => void lines.push(l) }),
      sales: {
        get: async () => {
          throw new Error(secretDetail);
        },
        create: async () => {
          throw new TypeError("Cannot read properties of undefined (reading 'id')");
        },
      } as unknown as SalesService,
      recordNotification: async () => {
        throw new Error(secretDetail);
      },
      ping: async () => {
        throw new Error(secretDetail);
      },
      config: { apiKeys: [API_KEY], webhookSecret: undefined, rateLimitPerMinute: undefined },
    });

  it.each([
    ["a read whose dependency throws", () => request(broken()).get("/orders/some-ref").set(auth)],
    [
      "a create whose dependency throws",
      () =>
        request(broken())
          .post("/sales")
          .set(auth)
          .send({
            store_id: "SUC001",
            pos_id: "P1",
            items: [{ title: "Coffee", unit_price: 1, quantity: 1 }],
          }),
    ],
    [
      "a notification that cannot be stored",
      () => request(broken()).post("/webhooks/mercadopago?topic=merchant_order&id=1").send({}),
    ],
  ])("%s answers 500 internal with the request id and nothing of the cause", async (_n, call) => {
    const res = await call().set("X-Request-Id", "req-500-test");
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: {
        code: "internal",
        message: "internal error",
        request_id: "req-500-test",
        details: [],
      },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/hunter2|ECONNREFUSED|TypeError|reading/);
    expect(res.headers["x-request-id"]).toBe("req-500-test");
    // the cause is logged for operators, against the same request id
    expect(lines.some((l) => l.includes("req-500-test") && l.includes("unhandled error"))).toBe(
      true,
    );
  });

  it("readiness says 503 and no more when the database does not answer", async () => {
    const res = await request(broken()).get("/ready");
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: "unavailable" });
    await request(broken()).get("/health").expect(200);
  });
});
