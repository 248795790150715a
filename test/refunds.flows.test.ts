import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulatorServer, type SimulatorServer } from "../src/simulator/simulator.ts";
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

// Refunds end to end with the built-in simulator as Mercado Pago over real HTTP both ways: the
// refund POSTs and reads, and the notifications Mercado Pago sends when money is given back.

let db: TestDb;
let sim: SimulatorServer;
let h: Harness;
let server: Server;

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulatorServer({
    accessToken: TOKEN,
    collectorId: Number(COLLECTOR),
    sweepIntervalMs: 0,
  });
  h = buildHarness(db, { mpBaseUrl: sim.baseUrl, timeoutMs: 400 });
  server = createServer(h.app).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
});
afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => server.close(resolve));
  await db.drop();
});
beforeEach(() => {
  const { port } = server.address() as AddressInfo;
  sim.sim.notifier.resetControls();
  sim.sim.notifier.setControls({
    overrideUrl: `http://127.0.0.1:${port}/webhooks/mercadopago`,
    retrySchedule: [20, 40],
  });
  sim.sim.faults.clear();
  sim.sim.requests.length = 0;
});

/** Delivers every pending notification and works the inbox until it is empty. */
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

/** A sale paid at the simulator by payments of `amounts` (its total is 5). */
async function paidSale(amounts: number[] = [5]) {
  const body = saleBody();
  await request(h.app).post("/sales").set(auth).send(body).expect(201);
  const payments = amounts.map(
    (amount) => sim.sim.pay(body.pos_id, { status: "approved", amount }).payment,
  );
  await drain();
  const sale = await request(h.app).get(`/orders/${body.external_reference}`).set(auth);
  expect(sale.body.status).toBe("paid");
  return { ref: body.external_reference, payments };
}

const refund = (ref: string, body: object = {}) =>
  request(h.app).post(`/orders/${ref}/refund`).set(auth).send(body);

const refundPosts = () =>
  sim.sim.requests.filter((r) => r.method === "POST" && /\/refunds$/.test(r.path));

const refundsAtSimulator = (paymentId: number) => sim.sim.state.getPayment(paymentId).refunds;

describe("refunds against the simulator", () => {
  it("a partial refund keeps the sale paid; the rest makes it refunded", async () => {
    const { ref, payments } = await paidSale();
    const partial = await refund(ref, { amount: 1.25 }).expect(200);
    expect(partial.body).toMatchObject({ status: "paid", refunded_amount: 1.25 });
    await drain(); // Mercado Pago's own notification of the refund changes nothing more
    const rest = await refund(ref).expect(200);
    expect(rest.body).toMatchObject({ status: "refunded", paid_amount: 5, refunded_amount: 5 });
    expect(refundsAtSimulator(payments[0]!.id).map((r) => r.amount)).toEqual([1.25, 3.75]);
    expect(sim.sim.state.getPayment(payments[0]!.id).status).toBe("refunded");
    expect((await refund(ref)).body.error.code).toBe("not_refundable");
  });

  it("five refunds at once never give back more than was paid", async () => {
    const { ref, payments } = await paidSale();
    const answers = await Promise.all(Array.from({ length: 5 }, () => refund(ref, { amount: 2 })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(3);
    const given = refundsAtSimulator(payments[0]!.id).reduce((s, r) => s + r.amount, 0);
    expect(given).toBe(4);
    const sale = await request(h.app).get(`/orders/${ref}`).set(auth);
    expect(sale.body).toMatchObject({ status: "paid", refunded_amount: 4 });
  });

  it.each(["500", "hang"] as const)(
    "a refund whose answer is lost (%s after the refund) is found in the payment's refunds, not made twice",
    async (kind) => {
      const { ref, payments } = await paidSale();
      sim.sim.faults.set({ endpoint: "refund_payment", kind, after: true, times: 1 });
      const res = await refund(ref, { amount: 2 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: "paid", refunded_amount: 2 });
      expect(refundsAtSimulator(payments[0]!.id)).toHaveLength(1);
      expect(refundPosts()).toHaveLength(1);
    },
  );

  it("with the refunds unreadable too, the refund stays requested and the resolver finishes it", async () => {
    const { ref, payments } = await paidSale();
    sim.sim.faults.set({ endpoint: "refund_payment", kind: "500", after: true, times: 1 });
    // from the moment the refund is made, the payment's refunds cannot be read for a while
    const stop = sim.sim.state.subscribe(() => {
      sim.sim.faults.set({ endpoint: "list_refunds", kind: "500", times: 3 });
    });
    const res = await refund(ref, { amount: 2 });
    stop();
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    expect(res.headers["retry-after"]).toBeDefined();
    const row = await db.prisma.refund.findFirstOrThrow({ where: { status: "requested" } });
    sim.sim.faults.clear();
    await db.prisma.refund.update({ where: { id: row.id }, data: { nextCheckAt: new Date() } });
    await h.refundResolver.runOnce();
    const done = await db.prisma.refund.findUniqueOrThrow({ where: { id: row.id } });
    expect(done.status).toBe("done");
    expect(refundsAtSimulator(payments[0]!.id)).toHaveLength(1);
    expect(refundPosts()).toHaveLength(1);
    const sale = await request(h.app).get(`/orders/${ref}`).set(auth);
    expect(sale.body).toMatchObject({ status: "paid", refunded_amount: 2 });
  });

  it("a sale paid by two payments is refunded across them, first payment first", async () => {
    const { ref, payments } = await paidSale([3, 2]);
    const [a, b] = payments;
    const res = await refund(ref, { amount: 4 }).expect(200);
    expect(res.body).toMatchObject({ status: "paid", refunded_amount: 4 });
    expect(refundsAtSimulator(a!.id).map((r) => r.amount)).toEqual([3]);
    expect(refundsAtSimulator(b!.id).map((r) => r.amount)).toEqual([1]);
    await drain();
    expect((await request(h.app).get(`/orders/${ref}`).set(auth)).body.status).toBe("paid");
    const rest = await refund(ref).expect(200);
    expect(rest.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
  });

  it("refunds made at Mercado Pago directly are picked up from its notifications", async () => {
    const { ref, payments } = await paidSale();
    sim.sim.refund(payments[0]!.id, 1.5);
    await drain();
    const partial = await request(h.app).get(`/orders/${ref}`).set(auth);
    expect(partial.body).toMatchObject({ status: "paid", refunded_amount: 1.5 });
    // what remains here is what remains there
    expect((await refund(ref, { amount: 3.51 })).body.error.code).toBe("not_refundable");
    sim.sim.refund(payments[0]!.id);
    await drain();
    const all = await request(h.app).get(`/orders/${ref}`).set(auth);
    expect(all.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
    expect(refundPosts()).toHaveLength(0);
  });
});
