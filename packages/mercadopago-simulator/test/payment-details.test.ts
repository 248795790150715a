import express from "express";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";

import type { DeliverFn } from "../src/notifier.ts";
import type { Simulator, SimulatorOptions } from "../src/simulator.ts";
import { AUTH, COLLECTOR, fakeClock, orderBody, testSimulator } from "./helpers.ts";

// What a simulated payment says of how it was paid (method, card, installments, authorization,
// fees, net, release date), a payment left in process, and a chargeback on a paid payment with
// its resource (GET /v1/chargebacks/:id) and its notification.

const sims: Simulator[] = [];
afterEach(() => {
  while (sims.length > 0) sims.pop()?.stop();
});

function setup(extra: Partial<SimulatorOptions> = {}) {
  const clock = fakeClock();
  const calls: { url: string; body: unknown }[] = [];
  const deliver: DeliverFn = async (url, body) => {
    calls.push({ url, body });
    return 200;
  };
  const sim = testSimulator({
    now: clock.now,
    deliver,
    notifications: { formats: ["ipn"] },
    ...extra,
  });
  sims.push(sim);
  const app = express();
  app.use("/simulator", sim.router);
  sim.state.putOrder(
    String(COLLECTOR),
    "STORE1",
    "POS1",
    orderBody({ notification_url: "https://pos.example.com/n" }),
  );
  return { sim, clock, calls, agent: request(app) };
}

describe("payment methods", () => {
  it("a visa card in 3 installments: last four, authorization code, fee_details and net", async () => {
    const { agent } = setup();
    const paid = await agent
      .post("/simulator/api/pos/POS1/pay")
      .send({ status: "approved", method: "visa", installments: 3 })
      .expect(201);
    const res = await agent.get(`/simulator/mp/v1/payments/${paid.body.payment.id}`).set(AUTH);
    expect(res.status).toBe(200);
    const p = res.body;
    expect(p).toMatchObject({
      payment_method_id: "visa",
      payment_type_id: "credit_card",
      installments: 3,
      card: { first_six_digits: "450995" },
    });
    expect(p.card.last_four_digits).toMatch(/^\d{4}$/);
    expect(p.authorization_code).toMatch(/^\d{6}$/);
    // 4.99 % processing and 1.5 % per installment beyond the first, of 150.50
    expect(p.fee_details).toEqual([
      { type: "mercadopago_fee", amount: 7.51, fee_payer: "collector" },
      { type: "financing_fee", amount: 4.52, fee_payer: "collector" },
    ]);
    expect(p.transaction_details.net_received_amount).toBe(138.47);
    expect(p.money_release_date).toBe("2025-06-15T12:00:00.000-03:00");
    // the merchant order lists the payment without any of it, as Mercado Pago's does
    const mo = await agent
      .get(`/simulator/mp/merchant_orders/${paid.body.merchant_order.id}`)
      .set(AUTH);
    expect(mo.body.payments[0]).not.toHaveProperty("payment_method_id");
    expect(mo.body.payments[0]).not.toHaveProperty("fee_details");
  });

  it("account money by default (no card, released at once); master; debit; pix only on MLB", async () => {
    const { sim } = setup();
    const balance = sim.state.pay("POS1", { status: "approved", amount: 10 }).payment;
    expect(balance).toMatchObject({
      payment_method_id: "account_money",
      payment_type_id: "account_money",
      installments: 1,
      card: {},
      authorization_code: null,
    });
    expect(balance.money_release_date).toBe(balance.date_approved);
    const master = sim.state.pay("POS1", { status: "approved", amount: 10, method: "master" });
    expect(master.payment.card.first_six_digits).toBe("503175");
    const debit = sim.state.pay("POS1", { status: "approved", amount: 10, method: "debvisa" });
    expect(debit.payment.payment_type_id).toBe("debit_card");
    expect(() =>
      sim.state.pay("POS1", { status: "approved", method: "debvisa", installments: 2 }),
    ).toThrow(/one installment/);
    expect(() => sim.state.pay("POS1", { status: "approved", method: "pix" })).toThrow(/MLB/);

    const brazil = setup({ siteId: "MLB" });
    const pix = brazil.sim.state.pay("POS1", { status: "approved", method: "pix" }).payment;
    expect(pix).toMatchObject({ payment_method_id: "pix", payment_type_id: "bank_transfer" });
  });

  it("a card payment in process has no authorization until it is approved", () => {
    const { sim } = setup();
    const { payment } = sim.state.pay("POS1", { status: "in_process", method: "visa" });
    expect(payment).toMatchObject({
      status: "in_process",
      authorization_code: null,
      money_release_date: null,
    });
    const settled = sim.state.settlePayment(payment.id, "approved").payment;
    expect(settled.authorization_code).toMatch(/^\d{6}$/);
    expect(settled.money_release_date).not.toBeNull();
  });

  it("refuses a method it does not know", async () => {
    const { agent } = setup();
    const res = await agent.post("/simulator/api/pos/POS1/pay").send({ method: "bitcoin" });
    expect(res.status).toBe(400);
  });
});

describe("chargebacks", () => {
  it("charge back a paid payment: the payment is charged_back, the order reverted, the chargeback readable and notified", async () => {
    const { sim, agent, calls } = setup();
    const { payment, merchantOrder } = sim.state.pay("POS1", {
      status: "approved",
      method: "visa",
    });
    await sim.notifier.idle();
    calls.length = 0;
    const res = await agent.post(`/simulator/api/payments/${payment.id}/chargeback`).expect(201);
    const cb = res.body.chargeback;
    expect(cb).toMatchObject({
      payments: [payment.id],
      amount: 150.5,
      currency: "ARS",
      documentation_status: "pending",
      coverage_applied: false,
    });
    expect(cb.id).toMatch(/^\d+$/);
    expect(res.body.payment.status).toBe("charged_back");
    const read = await agent.get(`/simulator/mp/v1/chargebacks/${cb.id}`).set(AUTH).expect(200);
    expect(read.body).toEqual(cb);
    expect((await agent.get("/simulator/mp/v1/chargebacks/1").set(AUTH)).status).toBe(404);
    const mo = sim.state.getMerchantOrder(merchantOrder.id);
    expect(mo).toMatchObject({ status: "closed", order_status: "reverted", refunded_amount: 0 });
    await sim.notifier.idle();
    expect(calls.map((c) => c.url.replace(/id=\d+/, "id=N"))).toEqual([
      "https://pos.example.com/n?topic=payment&id=N",
      "https://pos.example.com/n?topic=merchant_order&id=N",
      "https://pos.example.com/n?topic=chargebacks&id=N",
    ]);
    expect(calls[2]?.body).toEqual({ resource: cb.id, topic: "chargebacks" });
    // only an approved payment can be charged back, once
    expect((await agent.post(`/simulator/api/payments/${payment.id}/chargeback`)).status).toBe(409);
  });

  it("a chargeback's Webhook names it by data.id", async () => {
    const { sim, calls } = setup({ notifications: { formats: ["webhooks"] } });
    const { payment } = sim.state.pay("POS1", { status: "approved" });
    await sim.notifier.idle();
    calls.length = 0;
    const { chargeback } = sim.state.chargeBack(payment.id);
    await sim.notifier.idle();
    const hook = calls.find((c) => c.url.includes("topic_chargebacks_wh"));
    expect(hook?.url).toBe(
      `https://pos.example.com/n?data.id=${chargeback.id}&type=topic_chargebacks_wh`,
    );
    expect(hook?.body).toMatchObject({ type: "topic_chargebacks_wh", data: { id: chargeback.id } });
  });
});
