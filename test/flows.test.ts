import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import axios from "axios";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { instoreOrderBody } from "../src/mercadopago/instore-v2/instore.upstream.ts";
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

// Whole flows through the service with the built-in simulator as Mercado Pago: real HTTP both
// ways (the simulator delivers notifications to the service's webhook on a loopback port).

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
  server = h.app.listen(0, "127.0.0.1");
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

async function createSale(overrides: Record<string, unknown> = {}) {
  const body = saleBody(overrides);
  const res = await request(h.app).post("/sales").set(auth).send(body);
  return { body, res };
}

async function status(ref: string) {
  return (await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } })).status;
}

async function transitions(ref: string) {
  const sale = await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
  const events = await db.prisma.saleEvent.findMany({
    where: { saleId: sale.id },
    orderBy: { id: "asc" },
  });
  return events.map((e) => `${e.fromStatus ?? "∅"}→${e.toStatus}:${e.source}`);
}

/** Mercado Pago calls made since the test began, as "METHOD kind". */
function calls() {
  return sim.sim.requests.map((r) => {
    const kind = r.path.startsWith("/merchant_orders/search")
      ? "search"
      : r.path.startsWith("/merchant_orders")
        ? "merchant_order"
        : r.path.startsWith("/v1/payments")
          ? "payment"
          : r.path.includes("/stores/")
            ? "put_order"
            : "pos_order";
    return `${r.method} ${kind}`;
  });
}

function makeDue(ref: string, expired = false) {
  const past = new Date(Date.now() - 1000);
  return db.prisma.sale.update({
    where: { externalReference: ref },
    data: { nextCheckAt: past, ...(expired ? { expiresAt: past } : {}) },
  });
}

/** The external_reference of the order the simulator's POS shows, or null when it has none. */
async function orderOnPos(posId: string): Promise<string | null> {
  const res = await request(sim.url).get("/api/pos");
  const entry = res.body.pos.find(
    (p: { pos: { external_id: string } }) => p.pos.external_id === posId,
  );
  return entry?.order?.external_reference ?? null;
}

async function row(ref: string) {
  return db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
}

/** A sale stored as POST /sales stores it, whose process died before the PUT. */
async function storedNotPublished(ttlMs = 600_000) {
  const body = saleBody();
  const now = Date.now();
  const created = await h.repo.create({
    externalReference: body.external_reference,
    storeId: body.store_id,
    posId: body.pos_id,
    title: `Sale ${body.external_reference}`,
    description: `Sale ${body.external_reference}`,
    items: [{ title: "Coffee", unitPriceCents: 250, quantity: 2, unitMeasure: "unit" }],
    taxes: null,
    totalCents: 500,
    requestHash: "0".repeat(64),
    expiresAt: new Date(now + ttlMs),
    // the publication lease of the dead process ran out
    nextCheckAt: new Date(now - 1000),
  });
  expect(created.kind).toBe("created");
  return body;
}

describe("flows with the simulator as Mercado Pago", () => {
  it("happy path: PUT, scan, pay, notifications → paid, one transition", async () => {
    const { body, res } = await createSale();
    expect(res.status).toBe(201);
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();

    expect(await status(body.external_reference)).toBe("paid");
    expect(await transitions(body.external_reference)).toEqual([
      "∅→pending:create",
      "pending→paid:webhook",
    ]);
    expect(sim.sim.truth(body.external_reference).paid).toBe(true);
    expect(calls()[0]).toBe("PUT put_order");
  });

  it("scan twice then pay: two merchant orders, the paid one wins", async () => {
    const { body } = await createSale();
    sim.sim.scan(body.pos_id);
    sim.sim.scan(body.pos_id);
    await drain();
    expect(await status(body.external_reference)).toBe("pending");
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();

    expect(await status(body.external_reference)).toBe("paid");
    expect(sim.sim.truth(body.external_reference).merchant_order_ids).toHaveLength(2);
    expect(
      (await transitions(body.external_reference)).filter((t) => t.includes("→paid")),
    ).toHaveLength(1);
  });

  it("reject then approve on the same order → paid", async () => {
    const { body } = await createSale();
    sim.sim.pay(body.pos_id, { status: "rejected" });
    await drain();
    expect(await status(body.external_reference)).toBe("pending");
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    expect(await status(body.external_reference)).toBe("paid");
  });

  it("a partial payment keeps the sale pending with the amount shown", async () => {
    const { body } = await createSale();
    sim.sim.pay(body.pos_id, { status: "approved", amount: 2 });
    await drain();
    const res = await request(h.app).get(`/orders/${body.external_reference}`).set(auth);
    expect(res.body.status).toBe("pending");
    expect(res.body.paid_amount).toBe(2);
  });

  it("duplicated notifications (×5, both formats) make one transition", async () => {
    sim.sim.notifier.setControls({ duplicate: 5, formats: ["ipn", "webhooks"] });
    const { body } = await createSale();
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    expect(await status(body.external_reference)).toBe("paid");
    expect(
      (await transitions(body.external_reference)).filter((t) => t.includes("→paid")),
    ).toHaveLength(1);
    const reads = calls().filter((c) => c === "GET merchant_order").length;
    const delivered = sim.sim.notifier.log().length;
    expect(delivered).toBeGreaterThan(10);
    expect(reads).toBeLessThan(delivered); // coalesced in the inbox
  });

  it("delayed and reordered notifications: 'opened' after 'closed' stays paid", async () => {
    sim.sim.notifier.setControls({ reorder: "reverse" });
    const { body } = await createSale();
    sim.sim.scan(body.pos_id);
    sim.sim.pay(body.pos_id, { status: "approved" });
    expect(sim.sim.notifier.release()).toBeGreaterThan(1);
    await drain();
    expect(await status(body.external_reference)).toBe("paid");
  });

  it("dropped notifications: the reconciler finds the payment", async () => {
    sim.sim.notifier.setControls({ drop: true });
    const { body } = await createSale();
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    expect(await status(body.external_reference)).toBe("pending");

    await makeDue(body.external_reference);
    await h.sweeper.runOnce();

    expect(await status(body.external_reference)).toBe("paid");
    expect(await transitions(body.external_reference)).toEqual([
      "∅→pending:create",
      "pending→paid:reconcile",
    ]);
  });

  it("our webhook failing makes Mercado Pago retry; nothing is lost", async () => {
    // a front that fails the first 3 deliveries, then passes them on to the real webhook
    const { port } = server.address() as AddressInfo;
    let failures = 3;
    const front = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (failures-- > 0) {
        res.writeHead(500).end();
        return;
      }
      const forwarded = await axios.post(
        `http://127.0.0.1:${port}${req.url}`,
        Buffer.concat(chunks),
        {
          headers: { "content-type": "application/json" },
          validateStatus: () => true,
        },
      );
      res.writeHead(forwarded.status).end(JSON.stringify(forwarded.data));
    }).listen(0, "127.0.0.1");
    await new Promise((r) => front.once("listening", r));
    const frontPort = (front.address() as AddressInfo).port;
    sim.sim.notifier.setControls({
      overrideUrl: `http://127.0.0.1:${frontPort}/webhooks/mercadopago`,
      formats: ["ipn"],
    });

    const { body } = await createSale();
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    front.close();

    expect(sim.sim.notifier.log().some((d) => d.status === 500)).toBe(true);
    expect(await status(body.external_reference)).toBe("paid");
  });

  it("expiry without payment: order removed from the POS, sale expired after a final read", async () => {
    const { body } = await createSale();
    await makeDue(body.external_reference, true);
    sim.sim.requests.length = 0;

    await h.sweeper.runOnce();

    expect(await status(body.external_reference)).toBe("expired");
    expect(calls()).toEqual(["GET pos_order", "DELETE pos_order", "GET search"]);
    // the POS is free at Mercado Pago too
    const pos = await request(sim.url).get("/api/pos");
    const entry = pos.body.pos.find(
      (p: { pos: { external_id: string } }) => p.pos.external_id === body.pos_id,
    );
    expect(entry.order).toBeNull();
  });

  it("expiry with a last-second payment: paid, never expired", async () => {
    sim.sim.notifier.setControls({ drop: true });
    const { body } = await createSale();
    sim.sim.pay(body.pos_id, { status: "approved" });
    await makeDue(body.external_reference, true);

    await h.sweeper.runOnce();

    expect(await status(body.external_reference)).toBe("paid");
    expect(await transitions(body.external_reference)).toEqual([
      "∅→pending:create",
      "pending→paid:expiry",
    ]);
  });

  it("cancel while the customer pays: paid wins (409 already_paid)", async () => {
    sim.sim.notifier.setControls({ drop: true });
    const { body } = await createSale();
    sim.sim.pay(body.pos_id, { status: "approved" });

    const res = await request(h.app).delete(`/orders/${body.external_reference}`).set(auth);

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("already_paid");
    expect(await status(body.external_reference)).toBe("paid");
  });

  it("cancel of an unpaid sale deletes the POS order; a later scan finds nothing", async () => {
    const { body } = await createSale();
    const res = await request(h.app).delete(`/orders/${body.external_reference}`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("cancelled");
    expect(calls()).toEqual(["PUT put_order", "GET pos_order", "DELETE pos_order", "GET search"]);
    expect(() => sim.sim.scan(body.pos_id)).toThrow();
  });

  it("a second sale on a busy POS is refused and the first order stays on the POS", async () => {
    const { body } = await createSale();
    const second = await createSale({ pos_id: body.pos_id });
    expect(second.res.status).toBe(409);
    expect(second.res.body.error.code).toBe("pos_busy");
    expect(calls()).toEqual(["PUT put_order"]);
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    expect(await status(body.external_reference)).toBe("paid");
  });

  it("a payment notified before the PUT returned is not lost, and the POST says paid", async () => {
    // Mercado Pago takes the order but answers nothing until our timeout; meanwhile the customer
    // pays and the notification is worked
    sim.sim.faults.set({ endpoint: "put_order", kind: "hang", after: true, times: 1 });
    const body = saleBody();
    const posting = request(h.app)
      .post("/sales")
      .set(auth)
      .send(body)
      .then((r) => r);
    await new Promise((r) => setTimeout(r, 100));
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    expect(await status(body.external_reference)).toBe("paid");

    const res = await posting;

    expect(res.status).toBe(201);
    expect(res.body.status).toBe("paid");
    expect(await transitions(body.external_reference)).toEqual([
      "∅→pending:create",
      "pending→paid:webhook",
    ]);
    expect(calls().filter((c) => c !== "GET merchant_order" && c !== "GET payment")).toEqual([
      "PUT put_order",
      "GET pos_order",
      "GET search",
    ]);
  });

  it("PUT that timed out but did land: the sale stays pending and can be paid", async () => {
    sim.sim.faults.set({ endpoint: "put_order", kind: "hang", after: true, times: 1 });
    const { body, res } = await createSale();
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("pending");
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    expect(await status(body.external_reference)).toBe("paid");
  });

  it("PUT that failed with 500 and did not land: failed, 502, POS free", async () => {
    sim.sim.faults.set({ endpoint: "put_order", kind: "500", times: 1 });
    const { body, res } = await createSale();
    expect(res.status).toBe(502);
    expect(await status(body.external_reference)).toBe("failed");
    const next = await createSale({ pos_id: body.pos_id });
    expect(next.res.status).toBe(201);
  });

  it("a sale stored but never PUT (crash before the PUT) is published by the sweeper and can be paid", async () => {
    const body = await storedNotPublished();
    expect(await orderOnPos(body.pos_id)).toBeNull();

    await h.sweeper.runOnce();

    expect(await orderOnPos(body.pos_id)).toBe(body.external_reference);
    expect((await row(body.external_reference)).orderState).toBe("on_pos");
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    expect(await status(body.external_reference)).toBe("paid");
  });

  it("a publication left to the sweeper whose order landed and was paid (notification lost) ends paid and is not PUT again", async () => {
    // the request's PUT reached Mercado Pago, then the process died; the customer paid at once
    const body = await storedNotPublished();
    const sale = await h.repo.findByReference(body.external_reference);
    await axios.put(
      `${sim.baseUrl}/instore/qr/seller/collectors/${COLLECTOR}/stores/${body.store_id}/pos/${body.pos_id}/orders`,
      instoreOrderBody(sale!, "http://127.0.0.1:1/webhooks/mercadopago", undefined),
      { headers: { Authorization: `Bearer ${TOKEN}` } },
    );
    sim.sim.notifier.setControls({ drop: true });
    sim.sim.pay(body.pos_id, { status: "approved" });
    expect(await orderOnPos(body.pos_id)).toBeNull();
    sim.sim.requests.length = 0;

    await h.sweeper.runOnce();

    expect(await status(body.external_reference)).toBe("paid");
    // a second PUT would put the paid order back on the QR for the next customer to pay again
    expect(calls()).not.toContain("PUT put_order");
    expect(await orderOnPos(body.pos_id)).toBeNull();
  });

  it("a sale stored but never PUT whose time ran out is failed and frees the POS", async () => {
    const body = await storedNotPublished(5_000);

    await h.sweeper.runOnce();

    const r = await row(body.external_reference);
    expect(r.status).toBe("failed");
    expect(r.orderState).toBe("withdrawn");
    expect(await orderOnPos(body.pos_id)).toBeNull();
    const next = await createSale({ pos_id: body.pos_id });
    expect(next.res.status).toBe(201);
  });

  it("a failed create whose order stayed payable ends paid when the customer pays it (notification lost)", async () => {
    sim.sim.notifier.setControls({ drop: true });
    // the PUT lands but answers 500; the POS cannot be read and the clean-up DELETE fails too
    sim.sim.faults.set([
      { endpoint: "put_order", kind: "500", after: true, times: 1 },
      { endpoint: "get_order", kind: "500" },
      { endpoint: "delete_order", kind: "500" },
    ]);
    const { body, res } = await createSale();
    expect(res.status).toBe(502);
    expect(await status(body.external_reference)).toBe("failed");
    expect(await orderOnPos(body.pos_id)).toBe(body.external_reference);

    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    expect(await status(body.external_reference)).toBe("failed");
    await makeDue(body.external_reference);
    await h.sweeper.runOnce();

    expect(await status(body.external_reference)).toBe("paid");
    expect(await transitions(body.external_reference)).toEqual([
      "∅→pending:create",
      "pending→failed:create",
      "failed→paid:reconcile",
    ]);
  });

  it("the clean-up DELETE of a failed create is retried by the sweeper until it lands", async () => {
    sim.sim.faults.set([
      { endpoint: "put_order", kind: "500", after: true, times: 1 },
      { endpoint: "get_order", kind: "500" },
      { endpoint: "delete_order", kind: "500" },
    ]);
    const { body, res } = await createSale();
    expect(res.status).toBe(502);
    expect((await row(body.external_reference)).orderState).toBe("withdrawing");

    await makeDue(body.external_reference);
    await h.sweeper.runOnce(); // Mercado Pago still failing: the DELETE stays owed
    expect(await orderOnPos(body.pos_id)).toBe(body.external_reference);
    expect((await row(body.external_reference)).orderState).toBe("withdrawing");

    sim.sim.faults.clear();
    await makeDue(body.external_reference);
    await h.sweeper.runOnce();

    expect(await orderOnPos(body.pos_id)).toBeNull();
    const r = await row(body.external_reference);
    expect(r.orderState).toBe("withdrawn");
    expect(r.status).toBe("failed");
    expect(() => sim.sim.scan(body.pos_id)).toThrow();
  });

  it("the clean-up of a failed create never deletes a newer sale's order", async () => {
    sim.sim.faults.set([
      { endpoint: "put_order", kind: "500", after: true, times: 1 },
      { endpoint: "get_order", kind: "500" },
      { endpoint: "delete_order", kind: "500" },
    ]);
    const { body } = await createSale();
    sim.sim.faults.clear();
    const next = await createSale({ pos_id: body.pos_id });
    expect(next.res.status).toBe(201);

    await makeDue(body.external_reference);
    await h.sweeper.runOnce();

    expect(await orderOnPos(body.pos_id)).toBe(next.body.external_reference);
    expect((await row(body.external_reference)).orderState).toBe("withdrawn");
  });

  it("a 429 storm on merchant order reads delays settlement but loses nothing", async () => {
    const { body } = await createSale();
    sim.sim.faults.set({
      endpoint: "get_merchant_order",
      kind: "429",
      retryAfterSeconds: 0,
      times: 6,
    });
    sim.sim.faults.set({ endpoint: "get_payment", kind: "429", retryAfterSeconds: 0, times: 6 });
    sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    // whatever the storm did to the first attempts, the rows are retried until they succeed
    for (let i = 0; i < 10 && (await status(body.external_reference)) !== "paid"; i++) {
      await db.prisma.notification.updateMany({
        where: { processedAt: null },
        data: { dueAt: new Date() },
      });
      await h.worker.runOnce();
    }
    expect(await status(body.external_reference)).toBe("paid");
    expect(
      (await transitions(body.external_reference)).filter((t) => t.includes("→paid")),
    ).toHaveLength(1);
  });

  it.each(["500", "429", "hang", "html", "empty204"] as const)(
    "merchant order reads failing with %s leave the notification to retry",
    async (kind) => {
      const { body } = await createSale();
      sim.sim.notifier.setControls({ formats: ["ipn"] });
      sim.sim.faults.set({ endpoint: "get_merchant_order", kind, retryAfterSeconds: 0 });
      sim.sim.faults.set({ endpoint: "get_payment", kind, retryAfterSeconds: 0 });
      sim.sim.pay(body.pos_id, { status: "approved" });
      await drain();
      expect(await status(body.external_reference)).toBe("pending");
      const waiting = await db.prisma.notification.count({
        where: { processedAt: null, lastError: { not: null } },
      });
      expect(waiting).toBeGreaterThan(0);

      sim.sim.faults.clear();
      await db.prisma.notification.updateMany({
        where: { processedAt: null },
        data: { dueAt: new Date() },
      });
      await drain();
      expect(await status(body.external_reference)).toBe("paid");
    },
  );

  it.each(["500", "hang"] as const)(
    "cancel with the POS read failing (%s) answers 502 and keeps the sale",
    async (kind) => {
      const { body } = await createSale();
      sim.sim.faults.set({ endpoint: "get_order", kind });
      const res = await request(h.app).delete(`/orders/${body.external_reference}`).set(auth);
      expect(res.status === 502 || res.status === 504).toBe(true);
      expect(await status(body.external_reference)).toBe("pending");
    },
  );

  it("refund after payment → refunded", async () => {
    const { body } = await createSale();
    const { payment } = sim.sim.pay(body.pos_id, { status: "approved" });
    await drain();
    sim.sim.refund(payment.id);
    await drain();
    expect(await status(body.external_reference)).toBe("refunded");
  });
});
