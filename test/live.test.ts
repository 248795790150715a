import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_LIMITS, createHttpServer, listen } from "../src/http-server.ts";
import { createLiveSales, type LiveSales } from "../src/live/live-sales.ts";
import { createPgSaleFeed, type SaleChangeFeed } from "../src/live/sale-changes.ts";
import { createSalesRepository } from "../src/sales/sales.repository.ts";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import {
  ADMIN_URL,
  COLLECTOR,
  TOKEN,
  auth,
  buildHarness,
  createTestDb,
  saleBody,
  uniquePos,
  type Harness,
  type TestDb,
} from "./helpers.ts";
import { openSse, type SseStream } from "./sse-client.ts";

// Live updates in one process against real Postgres: the trigger's NOTIFY, the LISTEN connection,
// the streams and long polls, the POS's current sale and pos_busy's details.

const STAFF = "staff-key-live-0123456789";
const POS_A = uniquePos();
const POS_B = uniquePos();
const KEY_A = "pos-key-live-a-0123456789"; // bound to SUC001/POS_A
const KEY_B = "pos-key-live-b-0123456789"; // bound to SUC001/POS_B
const KEY_STORE = "pos-key-live-store-012345"; // bound to SUC001/*
const KEY_OTHER = "pos-key-live-other-012345"; // bound to SUC009/POS_A: same POS id, other store
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

let db: TestDb;
let sim: SimulatorServer;
let feed: SaleChangeFeed;
let live: LiveSales;
let h: Harness;
let server: Server;
let base: string;

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulatorServer({
    accessToken: TOKEN,
    collectorId: Number(COLLECTOR),
    sweepIntervalMs: 0,
  });
  const logger = pino({ level: "silent" });
  feed = createPgSaleFeed({ connectionString: db.directUrl, logger });
  await feed.start();
  const repo = createSalesRepository(db.prisma);
  live = createLiveSales({
    feed,
    load: (id) => repo.findById(id),
    logger,
    limits: { streamsPerKey: 3, waitsPerKey: 2, pingMs: 300 },
  });
  h = buildHarness(db, {
    mpBaseUrl: sim.baseUrl,
    timeoutMs: 400,
    live,
    staffApiKeys: [STAFF],
    posApiKeys: [
      `${KEY_A}@SUC001/${POS_A}`,
      `${KEY_B}@SUC001/${POS_B}`,
      `${KEY_STORE}@SUC001/*`,
      `${KEY_OTHER}@SUC009/${POS_A}`,
    ],
  });
  // a request must be received within 1 s: a stream must outlive that by far
  server = createHttpServer(h.app, {
    ...HTTP_LIMITS,
    headersTimeoutMs: 1000,
    requestTimeoutMs: 1000,
  });
  await listen(server, 0);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  live.closeAll();
  await new Promise((resolve) => server.close(resolve));
  await feed.stop();
  await sim.close();
  await db.drop();
});

async function createSale(overrides: Record<string, unknown> = {}, key = auth) {
  const body = saleBody(overrides);
  const res = await request(h.app).post("/sales").set(key).send(body);
  return { body, res };
}

/** The customer pays on the simulator; a staff re-check brings the payment in. */
async function pay(posId: string, ref: string) {
  sim.sim.pay(posId, { status: "approved" });
  const res = await request(h.app).post(`/orders/${ref}/refresh`).set(auth);
  expect(res.body.status).toBe("paid");
}

describe("GET /pos/:pos_id/sale", () => {
  it("answers the pending sale, else the most recent, else 404; a key of another POS gets 404", async () => {
    const pos = POS_A;
    const none = await request(h.app).get(`/pos/${pos}/sale`).set(auth);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe("not_found");

    const first = await createSale({ pos_id: pos });
    expect(first.res.status).toBe(201);
    await request(h.app).delete(`/orders/${first.body.external_reference}`).set(auth).expect(200);
    // no pending sale: the most recent one, cancelled
    const recent = await request(h.app).get(`/pos/${pos}/sale`).set(auth);
    expect(recent.status).toBe(200);
    expect(recent.body).toMatchObject({
      external_reference: first.body.external_reference,
      status: "cancelled",
    });

    const second = await createSale({ pos_id: pos });
    expect(second.res.status).toBe(201);
    // a settled sale newer than the pending one: the pending one is still the current sale
    await db.prisma.sale.create({
      data: {
        externalReference: `newer-${Date.now()}`,
        storeId: "SUC001",
        posId: pos,
        title: "t",
        description: "d",
        items: [],
        totalCents: 100n,
        status: "expired",
        orderState: "withdrawn",
        requestHash: "x",
        expiresAt: new Date(),
        createdAt: new Date(Date.now() + 60_000),
      },
    });
    for (const key of [auth, bearer(STAFF), bearer(KEY_A), bearer(KEY_STORE)]) {
      const res = await request(h.app).get(`/pos/${pos}/sale`).set(key);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        external_reference: second.body.external_reference,
        status: "pending",
      });
    }
    // another POS's key, and a key of another store with the same POS id: nothing is revealed
    for (const key of [bearer(KEY_B), bearer(KEY_OTHER)]) {
      const res = await request(h.app).get(`/pos/${pos}/sale`).set(key);
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain(second.body.external_reference);
    }
    expect((await request(h.app).get(`/pos/${pos}/sale`)).status).toBe(401);
    await request(h.app).delete(`/orders/${second.body.external_reference}`).set(auth).expect(200);
  });
});

describe("pos_busy", () => {
  it("names the blocking sale to full keys and keys whose scope holds it, to no one else", async () => {
    const blocking = await createSale({ pos_id: POS_A });
    expect(blocking.res.status).toBe(201);
    const ref = blocking.body.external_reference;

    for (const key of [auth, bearer(KEY_A), bearer(KEY_STORE)]) {
      const res = await createSale({ pos_id: POS_A }, key);
      expect(res.res.status).toBe(409);
      expect(res.res.body.error.code).toBe("pos_busy");
      expect(res.res.body.error.details).toEqual([{ external_reference: ref }]);
    }
    // a key of another store whose POS has the same id: the blocking sale is not its to read
    const hidden = await createSale({ store_id: "SUC009", pos_id: POS_A }, bearer(KEY_OTHER));
    expect(hidden.res.status).toBe(409);
    expect(hidden.res.body.error.code).toBe("pos_busy");
    expect(hidden.res.body.error.details).toEqual([]);
    expect(JSON.stringify(hidden.res.body)).not.toContain(ref);
    await request(h.app).delete(`/orders/${ref}`).set(auth).expect(200);
  });
});

describe("GET /orders/:ref?wait=N", () => {
  it("answers as soon as the sale is paid", async () => {
    const { body } = await createSale();
    const ref = body.external_reference;
    const started = Date.now();
    const waiting = request(h.app).get(`/orders/${ref}?wait=20`).set(auth);
    const answered = waiting.then((r) => ({ r, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 500));
    const paidAt = Date.now();
    await pay(body.pos_id, ref);
    const { r, at } = await answered;
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("paid");
    expect(at - started).toBeGreaterThanOrEqual(500);
    expect(at - paidAt).toBeLessThan(1500);
  });

  it("answers with the pending sale after N seconds when nothing happens", async () => {
    const { body } = await createSale();
    const started = Date.now();
    const r = await request(h.app).get(`/orders/${body.external_reference}?wait=1`).set(auth);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("pending");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(3000);
    await request(h.app).delete(`/orders/${body.external_reference}`).set(auth).expect(200);
  });

  it("validates N (0-60 s), answers a settled sale at once, and keeps the reader's scope", async () => {
    const { body } = await createSale({ pos_id: POS_B });
    const ref = body.external_reference;
    for (const wait of ["61", "-1", "abc", "1.5"]) {
      const r = await request(h.app).get(`/orders/${ref}?wait=${wait}`).set(auth);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("validation_failed");
    }
    expect((await request(h.app).get(`/orders/${ref}?wait=5`).set(bearer(KEY_A))).status).toBe(404);
    await request(h.app).delete(`/orders/${ref}`).set(auth).expect(200);
    const started = Date.now();
    const r = await request(h.app).get(`/orders/${ref}?wait=30`).set(bearer(KEY_B));
    expect(r.body.status).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("at most waitsPerKey long polls per key; 429 with Retry-After beyond", async () => {
    const { body } = await createSale();
    const url = `/orders/${body.external_reference}?wait=3`;
    const held = [1, 2].map(() =>
      request(h.app)
        .get(url)
        .set(bearer(STAFF))
        .then((r) => r),
    );
    await new Promise((r) => setTimeout(r, 300));
    const over = await request(h.app).get(url).set(bearer(STAFF));
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe("rate_limited");
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
    // other keys have their own places
    const other = request(h.app)
      .get(url)
      .set(auth)
      .then((r) => r);
    for (const r of await Promise.all(held)) expect(r.status).toBe(200);
    expect((await other).status).toBe(200);
    // places come back once the polls answered
    expect(
      (
        await request(h.app)
          .get(`${url.replace("wait=3", "wait=1")}`)
          .set(bearer(STAFF))
      ).status,
    ).toBe(200);
    await request(h.app).delete(`/orders/${body.external_reference}`).set(auth).expect(200);
  });
});

describe("GET /orders/:ref/events", () => {
  it("sends the sale at once and on every change, pings, and outlives the request timeout", async () => {
    const { body } = await createSale();
    const ref = body.external_reference;
    const s = await openSse(`${base}/orders/${ref}/events`, bearer(STAFF));
    try {
      expect(s.status).toBe(200);
      expect(s.headers["content-type"]).toMatch(/^text\/event-stream/);
      expect(s.headers["x-accel-buffering"]).toBe("no");
      expect(s.headers["content-encoding"]).toBeUndefined();
      const first = await s.next((e) => e.event === "sale");
      expect(first.data).toMatchObject({ external_reference: ref, status: "pending" });
      // well past requestTimeout (1 s here): the stream is still open and pinged
      await new Promise((r) => setTimeout(r, 2500));
      expect(s.comments.filter((c) => c === "ping").length).toBeGreaterThanOrEqual(3);
      const before = s.events.length;
      const paidAt = Date.now();
      await pay(body.pos_id, ref);
      const paid = await s.next(
        (e) => (e.data as { status: string }).status === "paid",
        2000,
        before,
      );
      expect(paid.at - paidAt).toBeLessThan(1000);
      expect(paid.data).toMatchObject({ external_reference: ref, status: "paid", paid_amount: 5 });
    } finally {
      s.close();
    }
  });

  it("answers 404 before any stream for a sale outside the key's scope, 401 without a key", async () => {
    const { body } = await createSale({ pos_id: POS_B });
    const other = await openSse(`${base}/orders/${body.external_reference}/events`, bearer(KEY_A));
    expect(other.status).toBe(404);
    await other.ended;
    const own = await openSse(`${base}/orders/${body.external_reference}/events`, bearer(KEY_B));
    expect(own.status).toBe(200);
    await own.next((e) => e.event === "sale");
    own.close();
    const anon = await openSse(`${base}/orders/${body.external_reference}/events`, {});
    expect(anon.status).toBe(401);
    await request(h.app).delete(`/orders/${body.external_reference}`).set(auth).expect(200);
  });

  it("holds at most streamsPerKey streams per key: 429 with Retry-After, a place back once one closes", async () => {
    const { body } = await createSale();
    const url = `${base}/orders/${body.external_reference}/events`;
    const streams: SseStream[] = [];
    for (let i = 0; i < 3; i++) streams.push(await openSse(url, bearer(STAFF)));
    const over = await openSse(url, bearer(STAFF));
    expect(over.status).toBe(429);
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
    await over.ended;
    expect((await openSse(`${base}/events`, bearer(STAFF))).status).toBe(429);
    const another = await openSse(url, auth); // another key
    expect(another.status).toBe(200);
    another.close();
    streams.pop()?.close();
    let again: SseStream | undefined;
    for (let i = 0; i < 20 && again?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await openSse(url, bearer(STAFF));
    }
    expect(again?.status).toBe(200);
    again?.close();
    for (const s of streams) s.close();
    await request(h.app).delete(`/orders/${body.external_reference}`).set(auth).expect(200);
  });

  it("after the LISTEN connection is killed: re-sends the current state and delivers later changes", async () => {
    const { body } = await createSale();
    const ref = body.external_reference;
    const s = await openSse(`${base}/orders/${ref}/events`, bearer(STAFF));
    const dashboard = await openSse(`${base}/events?pos_id=${body.pos_id}`, auth);
    try {
      await s.next((e) => e.event === "sale");
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 'mp-qr-pos-listener' AND datname = $1`,
        [new URL(db.directUrl).pathname.slice(1)],
      );
      await admin.end();
      expect(killed.rowCount).toBe(1);
      const before = s.events.length;
      // the reconnect re-sends the state even though nothing changed
      const resent = await s.next((e) => e.event === "sale", 5000, before);
      expect(resent.data).toMatchObject({ external_reference: ref, status: "pending" });
      // a dashboard cannot know what it missed: it is told to reload
      await dashboard.next((e) => e.event === "resync");
      const after = s.events.length;
      await pay(body.pos_id, ref);
      const paid = await s.next(
        (e) => (e.data as { status: string }).status === "paid",
        2000,
        after,
      );
      expect(paid.data).toMatchObject({ status: "paid" });
      const onDashboard = await dashboard.next(
        (e) => (e.data as { status: string }).status === "paid",
      );
      expect(onDashboard.data).toMatchObject({ external_reference: ref, status: "paid" });
    } finally {
      s.close();
      dashboard.close();
    }
  });
});

describe("the sales trigger", () => {
  it("announces a change by any writer, and not the sweeper's own bookkeeping", async () => {
    const { body } = await createSale();
    const ref = body.external_reference;
    const listener = new pg.Client({ connectionString: db.directUrl });
    await listener.connect();
    const notices: string[] = [];
    listener.on("notification", (n) => notices.push(n.payload ?? ""));
    await listener.query("LISTEN sale_changed");
    const writer = new pg.Client({ connectionString: db.directUrl });
    await writer.connect();
    try {
      await writer.query(
        "UPDATE sales SET next_check_at = now(), check_attempts = check_attempts + 1 WHERE external_reference = $1",
        [ref],
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(notices).toEqual([]);
      const s = await openSse(`${base}/orders/${ref}/events`, bearer(STAFF));
      await s.next((e) => e.event === "sale");
      // a hand-made UPDATE, as an operator or another program would write it
      await writer.query("UPDATE sales SET title = 'Renamed' WHERE external_reference = $1", [ref]);
      await writer.end();
      const renamed = await s.next((e) => (e.data as { title: string }).title === "Renamed");
      expect(renamed.data).toMatchObject({ external_reference: ref });
      s.close();
      expect(notices.length).toBe(1);
      const notice = JSON.parse(notices[0] ?? "{}");
      expect(notice).toMatchObject({ ref, status: "pending", pos_id: body.pos_id });
      expect(Object.keys(notice).sort()).toEqual(["id", "pos_id", "ref", "status", "store_id"]);
    } finally {
      await Promise.all([listener.end(), writer.end()]);
    }
    await request(h.app).delete(`/orders/${ref}`).set(auth).expect(200);
  });
});

describe("behind a transaction-mode pooler with no direct URL", () => {
  it("refuses live routes with 503 naming DATABASE_DIRECT_URL; the rest works", async () => {
    const off = createLiveSales({
      feed: null,
      unavailable: "live updates need a direct database connection: set DATABASE_DIRECT_URL",
      load: async () => null,
      logger: pino({ level: "silent" }),
    });
    const app = buildHarness(db, { mpBaseUrl: sim.baseUrl, live: off }).app;
    const { body } = await createSale();
    const ref = body.external_reference;
    for (const path of [`/orders/${ref}/events`, `/orders/${ref}?wait=5`, "/events"]) {
      const r = await request(app).get(path).set(auth);
      expect(r.status).toBe(503);
      expect(r.body.error.message).toMatch(/DATABASE_DIRECT_URL/);
    }
    expect((await request(app).get(`/orders/${ref}`).set(auth)).status).toBe(200);
    await request(h.app).delete(`/orders/${ref}`).set(auth).expect(200);
  });
});

describe("GET /events", () => {
  it("sends every change in its filter and nothing else; staff and full keys only", async () => {
    const pos = uniquePos();
    const s = await openSse(`${base}/events?pos_id=${pos}`, bearer(STAFF));
    try {
      expect(s.status).toBe(200);
      await s.next(() => true, 300).catch(() => undefined);
      const elsewhere = await createSale();
      const mine = await createSale({ pos_id: pos });
      const ref = mine.body.external_reference;
      await s.next((e) => (e.data as { external_reference: string }).external_reference === ref);
      await pay(pos, ref);
      await s.next((e) => (e.data as { status: string }).status === "paid");
      await request(h.app).delete(`/orders/${elsewhere.body.external_reference}`).set(auth);
      await new Promise((r) => setTimeout(r, 300));
      const refs = new Set(
        s.events.map((e) => (e.data as { external_reference: string }).external_reference),
      );
      expect([...refs]).toEqual([ref]);
    } finally {
      s.close();
    }
    const posKey = await openSse(`${base}/events`, bearer(KEY_A));
    expect(posKey.status).toBe(403);
    const bad = await openSse(`${base}/events?pos_id=a%20b`, bearer(STAFF));
    expect(bad.status).toBe(400);
  });
});

describe("shutdown", () => {
  it("closeAll ends open streams and answers long polls at once", async () => {
    const { body } = await createSale();
    const ref = body.external_reference;
    const s = await openSse(`${base}/orders/${ref}/events`, bearer(STAFF));
    await s.next((e) => e.event === "sale");
    const waiting = request(h.app)
      .get(`/orders/${ref}?wait=30`)
      .set(auth)
      .then((r) => r);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    live.closeAll();
    await s.ended;
    const r = await waiting;
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("pending");
    expect(Date.now() - started).toBeLessThan(1000);
    const refused = await request(h.app).get(`/orders/${ref}?wait=5`).set(auth);
    expect(refused.status).toBe(503);
  });
});
