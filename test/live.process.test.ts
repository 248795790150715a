import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import axios from "axios";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import { COLLECTOR, TOKEN, createTestDb, saleBody, type TestDb } from "./helpers.ts";
import {
  freePort,
  simulatedServiceEnv,
  startService,
  type ServiceProcess,
} from "./process-helpers.ts";
import { openSse } from "./sse-client.ts";

// Live updates across real processes: a change made by one replica reaches the streams and long
// polls of another through Postgres, and a stopping process ends its streams instead of hanging.

const KEY = "live-process-key-0123456789";
const http = axios.create({ validateStatus: () => true, timeout: 40_000 });
const authed = { headers: { Authorization: `Bearer ${KEY}` } };
const bearer = { Authorization: `Bearer ${KEY}` };

describe("two processes on one database", () => {
  let db: TestDb;
  let sim: SimulatorServer;
  let a: ServiceProcess;
  let b: ServiceProcess;

  beforeAll(async () => {
    db = await createTestDb();
    sim = await startSimulatorServer({
      accessToken: TOKEN,
      collectorId: Number(COLLECTOR),
      sweepIntervalMs: 0,
    });
    const service = async () => {
      const port = await freePort();
      return startService(
        simulatedServiceEnv({
          port,
          databaseUrl: db.url,
          mp: { baseUrl: sim.baseUrl, accessToken: TOKEN, collectorId: COLLECTOR },
          apiKeys: KEY,
          nodeEnv: "production",
        }),
      );
    };
    [a, b] = await Promise.all([service(), service()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await sim.close();
    await db.drop();
  });

  it("a sale paid through one process reaches a stream and a long poll on the other within 1 s", async () => {
    const body = saleBody();
    const ref = body.external_reference;
    // the sale is created, and paid, through A
    expect((await http.post(`${a.url}/sales`, body, authed)).status).toBe(201);
    const stream = await openSse(`${b.url}/orders/${ref}/events`, bearer);
    try {
      expect(stream.status).toBe(200);
      await stream.next((e) => e.event === "sale");
      const polling = http.get(`${b.url}/orders/${ref}?wait=30`, authed).then((r) => ({
        r,
        at: Date.now(),
      }));
      await new Promise((r) => setTimeout(r, 300));
      // no notification: the payment is brought in by a staff re-check on A, so the transition
      // is surely A's (B's notification worker could otherwise work a notification A stored)
      sim.sim.notifier.setControls({ drop: true });
      sim.sim.pay(body.pos_id, { status: "approved" });
      const refreshed = await http.post(`${a.url}/orders/${ref}/refresh`, {}, authed);
      expect(refreshed.data.status).toBe("paid");
      const paid = await stream.next(
        (e) => (e.data as { status: string }).status === "paid",
        15_000,
      );
      const stored = await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
      expect(stored.status).toBe("paid");
      // paid_at is when A's transition was written; the event is when B's stream delivered it
      const lag = paid.at - (stored.paidAt?.getTime() ?? 0);
      expect(lag).toBeLessThan(1000);
      const { r, at } = await polling;
      expect(r.status).toBe(200);
      expect(r.data.status).toBe("paid");
      expect(at - (stored.paidAt?.getTime() ?? 0)).toBeLessThan(1000);
      process.stdout.write(
        `cross-process: stream lag ${lag} ms, long poll lag ${at - (stored.paidAt?.getTime() ?? 0)} ms\n`,
      );
    } finally {
      stream.close();
    }
  }, 60_000);

  it("SIGTERM with open streams and long polls: they end and the process exits at once", async () => {
    const body = saleBody();
    expect((await http.post(`${a.url}/sales`, body, authed)).status).toBe(201);
    const stream = await openSse(`${b.url}/orders/${body.external_reference}/events`, bearer);
    const dashboard = await openSse(`${b.url}/events`, bearer);
    await stream.next((e) => e.event === "sale");
    const polling = http.get(`${b.url}/orders/${body.external_reference}?wait=60`, authed);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    expect(await b.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    await Promise.all([stream.ended, dashboard.ended]);
    const r = await polling;
    expect(r.status).toBe(200);
    expect(r.data.status).toBe("pending");
  }, 60_000);
});

describe("embedded database", () => {
  let dir: string;
  let svc: ServiceProcess | undefined;
  afterAll(async () => {
    await svc?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("streams a payment from the trigger's notice, with no LISTEN connection of its own", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "pos-live-"));
    svc = await startService({ DATA_DIR: path.join(dir, ".data") }, 90_000);
    const key = readFileSync(path.join(dir, ".data", "api-key"), "utf8").trim();
    const auth = { Authorization: `Bearer ${key}` };
    const body = saleBody();
    expect((await http.post(`${svc.url}/sales`, body, { headers: auth })).status).toBe(201);
    const stream = await openSse(`${svc.url}/orders/${body.external_reference}/events`, auth);
    try {
      await stream.next((e) => e.event === "sale");
      const paid = await http.post(`${svc.url}/simulator/api/pos/${body.pos_id}/pay`, {
        status: "approved",
      });
      expect(paid.status).toBe(201);
      const event = await stream.next(
        (e) => (e.data as { status: string }).status === "paid",
        15_000,
      );
      expect(event.data).toMatchObject({ external_reference: body.external_reference });
    } finally {
      stream.close();
    }
    expect(await svc.stop()).toBe(0);
  }, 120_000);
});
