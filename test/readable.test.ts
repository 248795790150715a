import nock from "nock";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createApp } from "../src/app.ts";
import { parseInput } from "../src/errors.ts";
import { createLogger } from "../src/logger.ts";
import type { SalesService } from "../src/sales/sales.service.ts";
import { CreateSaleSchema } from "../src/sales/sales.schemas.ts";
import {
  API_KEY,
  MP_BASE,
  auth,
  buildHarness,
  createTestDb,
  putPath,
  saleBody,
  uniqueRef,
  type Harness,
  type TestDb,
} from "./helpers.ts";

// What a person reads: log lines (one per request, probes and assets at debug) and the words of
// validation and authentication errors.

interface Line {
  level: number;
  msg: string;
  req?: { id: string; url: string };
  reqId?: string;
  err?: unknown;
}

const lines: Line[] = [];
const logger = createLogger("debug", { write: (l: string) => void lines.push(JSON.parse(l)) });

let db: TestDb;
let h: Harness;

beforeAll(async () => {
  db = await createTestDb();
  h = buildHarness(db, { logger, metrics: true, timeoutMs: 300 });
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
});
afterAll(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await db.drop();
});

/** The lines written for one request, found by its id. */
function linesOf(id: string): Line[] {
  return lines.filter((l) => l.req?.id === id || l.reqId === id);
}

const DEBUG = 20;
const INFO = 30;
const WARN = 40;
const ERROR = 50;

describe("log lines", () => {
  it.each([
    ["/health", 200],
    ["/ready", 200],
    ["/metrics", 200],
    ["/favicon.ico", 204],
  ])("GET %s answers %i and is logged once, at debug", async (path, status) => {
    const id = `quiet-${uniqueRef()}`;
    const res = await request(h.app).get(path).set("X-Request-Id", id);
    expect(res.status).toBe(status);
    expect(linesOf(id).map((l) => l.level)).toEqual([DEBUG]);
  });

  it("an API request is one line at info", async () => {
    const id = `api-${uniqueRef()}`;
    await request(h.app).get("/sales").set(auth).set("X-Request-Id", id).expect(200);
    expect(linesOf(id).map((l) => l.level)).toEqual([INFO]);
  });

  it("a failure upstream is one line, at warn, saying what failed", async () => {
    const body = saleBody();
    nock(MP_BASE).put(putPath(body.store_id, body.pos_id)).reply(500, { message: "boom" });
    nock(MP_BASE)
      .get(new RegExp(`/pos/${body.pos_id}/orders`))
      .times(3)
      .reply(500, { message: "boom" });
    const id = `upstream-${uniqueRef()}`;
    const res = await request(h.app).post("/sales").set(auth).set("X-Request-Id", id).send(body);
    expect(res.status).toBeGreaterThanOrEqual(502);
    const mine = linesOf(id);
    expect(mine.map((l) => l.level)).toEqual([WARN]);
    expect(mine[0]?.msg).toBe("request failed upstream");
    nock.cleanAll();
  });

  it("an unhandled error is one line at error, with the cause, and the answer says nothing of it", async () => {
    const app = createApp({
      logger,
      sales: {
        get: async () => {
          throw new TypeError("Cannot read properties of undefined (reading 'id')");
        },
      } as unknown as SalesService,
      recordNotification: async () => undefined,
      ping: async () => {
        throw new Error("connect ECONNREFUSED 10.0.0.5:5432");
      },
      config: { apiKeys: [API_KEY], webhookSecret: undefined, rateLimitPerMinute: undefined },
    });
    const id = `broken-${uniqueRef()}`;
    const res = await request(app).get("/orders/some-ref").set(auth).set("X-Request-Id", id);
    expect(res.status).toBe(500);
    const mine = linesOf(id);
    expect(mine.map((l) => l.level)).toEqual([ERROR]);
    expect(mine[0]?.msg).toBe("unhandled error");
    expect(JSON.stringify(mine[0]?.err)).toContain("reading 'id'");

    const ready = `ready-${uniqueRef()}`;
    const down = await request(app).get("/ready").set("X-Request-Id", ready);
    expect(down.status).toBe(503);
    expect(linesOf(ready).map((l) => l.level)).toEqual([WARN]);
    expect(linesOf(ready)[0]?.msg).toBe("database is not answering");
  });
});

describe("validation messages in plain words", () => {
  const message = (value: unknown) => {
    try {
      parseInput(CreateSaleSchema, value);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error("expected a validation failure");
  };
  const item = { title: "Coffee", unit_price: 2.5, quantity: 1 };

  it.each([
    [{ pos_id: "P1", items: [item] }, "store_id: is required"],
    [{ store_id: "S1", pos_id: "P1" }, "items: is required"],
    [{ store_id: 5, pos_id: "P1", items: [item] }, "store_id: must be a string"],
    [
      { store_id: "S1", pos_id: "P1", items: [{ ...item, unit_price: 0 }] },
      "items.0.unit_price: must be greater than 0",
    ],
    [
      { store_id: "S1", pos_id: "P1", items: [{ ...item, unit_price: "2" }] },
      "items.0.unit_price: must be a number",
    ],
    [
      { store_id: "S1", pos_id: "P1", items: [{ ...item, quantity: 1.5 }] },
      "items.0.quantity: must be an integer",
    ],
    [{ store_id: "S1", pos_id: "P1", items: [item], foo: 1 }, "foo: unknown field"],
    [{ store_id: "S1", pos_id: "P1", items: [{ ...item, zzz: 1 }] }, "items.0.zzz: unknown field"],
    [
      { store_id: "S1", pos_id: "P1", items: [{ ...item, unit_measure: "kg" }] },
      "items.0.unit_measure: must be one of: unit, pack",
    ],
    [
      { store_id: "S1", pos_id: "P1", items: [item], taxes: [{ type: "VAT", value: 1 }] },
      'taxes.0.type: must be "IVA"',
    ],
    [null, "the body must be a JSON object"],
  ])("%j → %s", (value, expected) => {
    const text = message(value);
    expect(text).toContain(expected);
    expect(text).not.toMatch(/Invalid input|expected .*, received|Unrecognized key/);
  });

  it("says one thing per problem", () => {
    const text = message({ store_id: "S1", pos_id: "P1", items: [{ ...item, unit_price: 0 }] });
    expect(text).toBe("items.0.unit_price: must be greater than 0");
    expect(message({ pos_id: "P1", store_id: "S1", items: [item], foo: 1, bar: 2 })).toBe(
      "foo: unknown field; bar: unknown field",
    );
  });

  it("reads the same through the API: details name each field once", async () => {
    const res = await request(h.app)
      .post("/sales")
      .set(auth)
      .send({ pos_id: "P1", items: [{ ...item, unit_price: 0 }], extra: true });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: "store_id", message: "is required" },
      { path: "items.0.unit_price", message: "must be greater than 0" },
      { path: "extra", message: "unknown field" },
    ]);
  });

  it("bounds and formats generic schemas too", () => {
    const schema = z.strictObject({
      name: z.string().min(2).max(5),
      tags: z.array(z.string()).min(1),
      at: z.iso.datetime(),
      n: z.number().int().min(1).max(10),
    });
    const text = (() => {
      try {
        parseInput(schema, { name: "x", tags: [], at: "yesterday", n: 11 });
      } catch (err) {
        return (err as Error).message;
      }
      return "";
    })();
    expect(text).toBe(
      "name: must be at least 2 characters; tags: must not be empty; " +
        "at: must be an ISO 8601 date-time; n: must be at most 10",
    );
  });
});

describe("missing and wrong API keys are told apart", () => {
  it("no key: 401, 'missing API key', WWW-Authenticate: Bearer", async () => {
    const res = await request(h.app).get(`/orders/${uniqueRef()}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
    expect(res.body.error.message).toMatch(/^missing API key/);
    expect(res.headers["www-authenticate"]).toBe("Bearer");
  });

  it("a wrong key: 401, 'not valid', WWW-Authenticate with error=invalid_token", async () => {
    const res = await request(h.app)
      .get(`/orders/${uniqueRef()}`)
      .set("Authorization", "Bearer not-a-configured-key-0000");
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
    expect(res.body.error.message).toBe("the API key is not valid");
    expect(res.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
  });

  it("another scheme: 401 saying how to send the key", async () => {
    const res = await request(h.app)
      .get(`/orders/${uniqueRef()}`)
      .set("Authorization", "Basic dXNlcjpwYXNz");
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/Bearer <API key>/);
    expect(res.headers["www-authenticate"]).toBe("Bearer");
  });
});
