import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import {
  COLLECTOR,
  TOKEN,
  auth,
  buildHarness,
  createTestDb,
  saleBody,
  type Harness,
  type TestDb,
} from "./helpers.ts";

// The till's deadline: with Mercado Pago hanging, a cashier's request answers within
// CASHIER_DEADLINE_MS and leaves what is unresolved to the sweeper.

const DEADLINE_MS = 1500;
// each Mercado Pago call may take 1 s and is retried: without a deadline a create takes ~10 s
const MP_TIMEOUT_MS = 1000;
// slack for a loaded machine; still far below what the calls would take without the deadline
const SLACK_MS = 1000;

let db: TestDb;
let sim: SimulatorServer;
let h: Harness;

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulatorServer({
    accessToken: TOKEN,
    collectorId: Number(COLLECTOR),
    sweepIntervalMs: 0,
  });
  h = buildHarness(db, {
    mpBaseUrl: sim.baseUrl,
    timeoutMs: MP_TIMEOUT_MS,
    cashierDeadlineMs: DEADLINE_MS,
  });
  sim.sim.notifier.setControls({ drop: true });
});
afterAll(async () => {
  await sim.close();
  await db.drop();
});
beforeEach(() => {
  sim.sim.faults.clear();
});

const hang = () => sim.sim.faults.set({ endpoint: "*", kind: "hang" });

async function timed<T>(run: () => PromiseLike<T>): Promise<{ res: T; ms: number }> {
  const started = Date.now();
  const res = await run();
  return { res, ms: Date.now() - started };
}

async function row(ref: string) {
  return db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
}

async function orderOnPos(posId: string): Promise<string | null> {
  const res = await request(sim.url).get("/api/pos");
  const entry = res.body.pos.find(
    (p: { pos: { external_id: string } }) => p.pos.external_id === posId,
  );
  return entry?.order?.external_reference ?? null;
}

describe("CASHIER_DEADLINE_MS with Mercado Pago hanging", () => {
  it("POST /sales answers 504 within the deadline and the sweeper publishes the sale", async () => {
    const body = saleBody();
    hang();

    const { res, ms } = await timed(() => request(h.app).post("/sales").set(auth).send(body));

    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
    let r = await row(body.external_reference);
    expect(r.status).toBe("pending");
    expect(r.orderState).toBe("publishing");
    const replay = await request(h.app).post("/sales").set(auth).send(body);
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe("in_progress");

    sim.sim.faults.clear();
    await h.sweeper.runOnce();

    r = await row(body.external_reference);
    expect(r.orderState).toBe("on_pos");
    expect(await orderOnPos(body.pos_id)).toBe(body.external_reference);
    sim.sim.pay(body.pos_id, { status: "approved" });
    await db.prisma.sale.update({ where: { id: r.id }, data: { nextCheckAt: new Date(0) } });
    await h.sweeper.runOnce();
    expect((await row(body.external_reference)).status).toBe("paid");
  }, 30_000);

  it("DELETE /orders answers 504 within the deadline and the sweeper finishes the cancel", async () => {
    const body = saleBody();
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    hang();

    const { res, ms } = await timed(() =>
      request(h.app).delete(`/orders/${body.external_reference}`).set(auth),
    );

    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
    let r = await row(body.external_reference);
    expect(r.status).toBe("pending");
    expect(r.orderState).toBe("withdrawing");

    sim.sim.faults.clear();
    await h.sweeper.runOnce();

    r = await row(body.external_reference);
    expect(r.status).toBe("cancelled");
    expect(r.orderState).toBe("withdrawn");
    expect(await orderOnPos(body.pos_id)).toBeNull();
  }, 30_000);

  it("POST /orders/:ref/refresh answers 504 within the deadline and changes nothing", async () => {
    const body = saleBody();
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    hang();

    const { res, ms } = await timed(() =>
      request(h.app).post(`/orders/${body.external_reference}/refresh`).set(auth),
    );

    expect(res.status).toBe(504);
    expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
    const r = await row(body.external_reference);
    expect(r.status).toBe("pending");
    expect(r.orderState).toBe("on_pos");
  }, 30_000);
});
