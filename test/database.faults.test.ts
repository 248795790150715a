import nock from "nock";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma } from "../src/db/database.ts";
import {
  startFrozenHost,
  startPostgresProxy,
  type FaultyEndpoint,
  type PostgresProxy,
} from "./db-faults.ts";
import {
  auth,
  buildHarness,
  createTestDb,
  expectPut,
  saleBody,
  type Harness,
  type TestDb,
} from "./helpers.ts";
import { freePort } from "./process-helpers.ts";

// The database going away must cost a bounded wait and a 503 the client can retry on, never a
// request, /ready or boot that hangs, nor a 500.

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

/** The service's harness with its pool pointed at `url` instead of the test database. */
function harnessAt(url: string): { h: Harness; close(): Promise<void> } {
  const prisma = createPrisma(url, 2);
  const h = buildHarness({ ...db, url, prisma });
  return { h, close: () => prisma.$disconnect() };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

function expectServiceUnavailable(res: request.Response) {
  expect(res.status).toBe(503);
  expect(res.body.error.code).toBe("service_unavailable");
  expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
  // nothing about the driver or the address leaks
  expect(JSON.stringify(res.body)).not.toMatch(/ECONN|127\.0\.0\.1|timeout exceeded|prisma/i);
}

describe("a database host whose network is frozen", () => {
  let frozen: FaultyEndpoint;
  let svc: ReturnType<typeof harnessAt>;
  beforeAll(async () => {
    frozen = await startFrozenHost();
    svc = harnessAt(frozen.url(db.url));
  });
  afterAll(async () => {
    await frozen.close();
    await svc.close();
  });

  it("/ready answers 503 within 2 s", async () => {
    const { value: res, ms } = await timed(() => request(svc.h.app).get("/ready").timeout(8000));
    expect(res.status).toBe(503);
    expect(ms).toBeLessThan(2000);
  });

  it("a request answers 503 service_unavailable with Retry-After within the connect timeout", async () => {
    const { value: res, ms } = await timed(() =>
      request(svc.h.app).get("/orders/some-ref").set(auth).timeout(15_000),
    );
    expectServiceUnavailable(res);
    expect(ms).toBeLessThan(8000);
  });
});

describe("a database that refuses connections", () => {
  it("answers 503 service_unavailable with Retry-After, and /ready 503", async () => {
    const port = await freePort();
    const u = new URL(db.url);
    u.host = `127.0.0.1:${port}`;
    const svc = harnessAt(u.toString());
    try {
      const body = saleBody();
      const res = await request(svc.h.app).post("/sales").set(auth).send(body).timeout(8000);
      expectServiceUnavailable(res);
      expect((await request(svc.h.app).get("/ready").timeout(8000)).status).toBe(503);
    } finally {
      await svc.close();
    }
  });
});

describe("a database that goes away while the service runs", () => {
  let proxy: PostgresProxy;
  let svc: ReturnType<typeof harnessAt>;
  beforeAll(async () => {
    proxy = await startPostgresProxy();
    svc = harnessAt(proxy.url(db.url));
  });
  afterAll(async () => {
    nock.cleanAll();
    await proxy.close();
    await svc.close();
  });

  it("serves, then answers 503 once the connections are cut and nothing answers", async () => {
    const body = saleBody();
    expectPut("SUC001", body.pos_id);
    await request(svc.h.app).post("/sales").set(auth).send(body).expect(201);
    expect((await request(svc.h.app).get("/ready")).status).toBe(200);

    proxy.freeze();
    const ready = await timed(() => request(svc.h.app).get("/ready").timeout(8000));
    expect(ready.value.status).toBe(503);
    expect(ready.ms).toBeLessThan(2000);

    proxy.cut();
    const res = await request(svc.h.app)
      .get(`/orders/${body.external_reference}`)
      .set(auth)
      .timeout(15_000);
    expectServiceUnavailable(res);
  });
});
