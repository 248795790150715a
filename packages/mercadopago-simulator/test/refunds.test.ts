import express from "express";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";

import type { Simulator } from "../src/simulator.ts";
import { COLLECTOR, fakeClock, orderBody, testSimulator } from "./helpers.ts";

// How Mercado Pago ends a refund, and what the seller's side does to an order, as the simulator
// lets a test (or a person on its page) choose: refunds at once or processing first, ending made
// or failed, on both APIs; an order cancelled outside the integration; a payment landing late.

const sims: Simulator[] = [];
afterEach(() => {
  while (sims.length > 0) sims.pop()?.stop();
});

function setup() {
  const clock = fakeClock();
  const sim = testSimulator({ now: clock.now });
  sims.push(sim);
  const app = express();
  app.use("/simulator", sim.router);
  const agent = request(app);
  const events: string[] = [];
  sim.state.subscribe((e) => {
    if (e.type === "order") events.push(`${e.action}:${e.order.status}`);
    else if (e.type === "payment") events.push(`${e.action}:${e.payment.status}`);
  });
  return { sim, clock, agent, events };
}

/** An Orders API order on POS1 (50.00), paid unless told otherwise. */
function apiOrder(sim: Simulator, paid = true) {
  const created = sim.state.createApiOrder(
    {
      type: "qr",
      external_reference: "SALE-1",
      total_amount: "50.00",
      config: { qr: { external_pos_id: "POS1" } },
      transactions: { payments: [{ amount: "50.00" }] },
    },
    "create-1",
  );
  const id = created.body.id;
  if (paid) sim.state.payApiOrder(id, "approved");
  return id;
}

/** An instore order on POS1 (150.50) paid by one approved payment; its id. */
function instorePayment(sim: Simulator): number {
  sim.state.putOrder(String(COLLECTOR), "STORE1", "POS1", orderBody());
  return sim.state.pay("POS1", { status: "approved" }).payment.id;
}

describe("refund settings (GET/PUT /api/refunds)", () => {
  it("start at once, change at run time, and refuse what is not a setting", async () => {
    const { agent } = setup();
    const start = await agent.get("/simulator/api/refunds").expect(200);
    expect(start.body).toEqual({ mode: "sync", settle_ms: 1000, outcome: "processed" });
    const changed = await agent
      .put("/simulator/api/refunds")
      .send({ mode: "async", settle_ms: 50, outcome: "failed" })
      .expect(200);
    expect(changed.body).toEqual({ mode: "async", settle_ms: 50, outcome: "failed" });
    for (const bad of [{ mode: "later" }, { settle_ms: -1 }, { outcome: "approved" }]) {
      const res = await agent.put("/simulator/api/refunds").send(bad);
      expect(res.status).toBe(400);
    }
    expect((await agent.get("/simulator/api/refunds")).body.mode).toBe("async");
  });
});

describe("asynchronous refunds of an Orders API order", () => {
  it("that fail: the refund item is failed, the order stays paid, its money can be refunded again", async () => {
    const { sim, clock, events } = setup();
    const id = apiOrder(sim);
    sim.state.setRefunds({ mode: "async", settleMs: 500, outcome: "failed" });
    const answer = sim.state.refundApiOrder(id, undefined, "refund-1");
    expect(answer.body.transactions.refunds?.[0]).toMatchObject({ status: "processing" });

    clock.advance(500);
    const read = sim.state.getApiOrder(id);
    expect(read).toMatchObject({ status: "processed", status_detail: "accredited" });
    expect(read.transactions.refunds?.[0]).toMatchObject({ amount: "50.00", status: "failed" });
    // no webhook is documented for a failed refund: none is sent
    expect(events).toEqual(["order.processed:processed"]);

    sim.state.setRefunds({ mode: "sync" });
    const again = sim.state.refundApiOrder(id, undefined, "refund-2");
    expect(again.body).toMatchObject({ status: "refunded" });
  });
});

describe("asynchronous refunds of a payment (instore v2)", () => {
  it("are in_process with the payment unchanged, then approved and counted once made", () => {
    const { sim, clock, events } = setup();
    const paymentId = instorePayment(sim);
    sim.state.setRefunds({ mode: "async", settleMs: 500, outcome: "processed" });
    const made = sim.state.createRefund(paymentId, 10, "key-1");
    expect(made).toMatchObject({ amount: 10, status: "in_process" });
    expect(sim.state.getPayment(paymentId)).toMatchObject({
      status: "approved",
      amount_refunded: 0,
    });
    // what it holds cannot be refunded twice
    expect(() => sim.state.createRefund(paymentId, 150, "key-2")).toThrow(/exceeds/);

    clock.advance(500);
    expect(sim.state.listRefunds(paymentId)).toMatchObject([{ id: made.id, status: "approved" }]);
    expect(sim.state.getPayment(paymentId)).toMatchObject({
      status: "approved",
      amount_refunded: 10,
    });
    expect(events.filter((e) => e.startsWith("payment.updated"))).toEqual([
      "payment.updated:approved",
    ]);
  });

  it("that fail are rejected and give nothing back", () => {
    const { sim, clock } = setup();
    const paymentId = instorePayment(sim);
    sim.state.setRefunds({ mode: "async", settleMs: 500, outcome: "failed" });
    const made = sim.state.createRefund(paymentId, undefined, "key-1");
    clock.advance(500);
    expect(sim.state.listRefunds(paymentId)).toMatchObject([{ id: made.id, status: "rejected" }]);
    expect(sim.state.getPayment(paymentId)).toMatchObject({
      status: "approved",
      amount_refunded: 0,
    });
  });
});

describe("the seller's side of an order", () => {
  it("cancels an Orders API order outside the integration (POST /api/orders/:id/cancel)", async () => {
    const { sim, agent, events } = setup();
    const id = apiOrder(sim, false);
    const res = await agent.post(`/simulator/api/orders/${id}/cancel`).expect(200);
    expect(res.body.order).toMatchObject({ status: "canceled", status_detail: "canceled" });
    expect(events).toEqual(["order.canceled:canceled"]);
    expect((await agent.post(`/simulator/api/orders/${id}/cancel`)).status).toBe(409);
  });

  it("has no Mercado Pago cancel for an instore v2 order on a POS", async () => {
    const { sim, agent } = setup();
    sim.state.putOrder(String(COLLECTOR), "STORE1", "POS1", orderBody());
    expect((await agent.post("/simulator/api/pos/POS1/cancel")).status).toBe(409);
  });

  it("lets a payment land on an expired order only when asked to (late: true)", async () => {
    const { sim, agent } = setup();
    const id = apiOrder(sim, false);
    sim.state.expireApiOrder(id);
    expect((await agent.post(`/simulator/api/orders/${id}/pay`).send({})).status).toBe(409);
    const late = await agent.post(`/simulator/api/orders/${id}/pay`).send({ late: true });
    expect(late.status).toBe(201);
    expect(late.body.order).toMatchObject({ status: "processed", status_detail: "accredited" });

    sim.state.putOrder(
      String(COLLECTOR),
      "STORE1",
      "POS2",
      orderBody({ external_reference: "s2" }),
    );
    const mo = sim.state.scan("POS2");
    sim.state.expire("POS2");
    expect(() => sim.state.pay(mo.id, { status: "approved" })).toThrow(/expired/);
    const paid = sim.state.pay(mo.id, { status: "approved", late: true });
    expect(paid.merchantOrder).toMatchObject({ status: "closed", order_status: "paid" });
  });
});
