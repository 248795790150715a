import { describe, expect, it } from "vitest";

import { createSimulatorState } from "../src/state/index.ts";
import type { SimulatorEvent } from "../src/state/index.ts";
import { COLLECTOR, TOKEN, fakeClock, orderBody } from "./helpers.ts";

function setup(opts: { defaultOrderTtlMs?: number; merchantOrderOnPut?: boolean } = {}) {
  const clock = fakeClock();
  const state = createSimulatorState({
    accessToken: TOKEN,
    collectorId: COLLECTOR,
    now: clock.now,
    ...opts,
  });
  const events: SimulatorEvent[] = [];
  state.subscribe((e) => events.push(e));
  const put = (body: Record<string, unknown> = orderBody(), pos = "POS1") =>
    state.putOrder(String(COLLECTOR), "STORE1", pos, body);
  return { clock, state, events, put };
}

describe("simulator state", () => {
  it("keeps one order slot per POS; a new PUT replaces it", () => {
    const { state, put } = setup();
    put(orderBody({ external_reference: "a" }));
    put(orderBody({ external_reference: "b" }));
    expect(state.getOrder(String(COLLECTOR), "POS1")["external_reference"]).toBe("b");
    expect(state.listPos()).toHaveLength(1);
    expect(state.listPos()[0]?.auto_created).toBe(true);
  });

  it("scan creates an opened merchant order; a second scan creates another one", () => {
    const { state, put, events } = setup();
    put(orderBody({ notification_url: "https://pos.example.com/mp" }));
    const first = state.scan("POS1");
    const second = state.scan("POS1");
    expect(second.id).not.toBe(first.id);
    expect(first).toMatchObject({
      status: "opened",
      order_status: "payment_required",
      external_reference: "sale-000123",
      total_amount: 150.5,
      payments: [],
      paid_amount: 0,
      refunded_amount: 0,
      cancelled: false,
      notification_url: "https://pos.example.com/mp",
      site_id: "MLA",
      collector: { id: COLLECTOR },
    });
    expect(first.id).toBeGreaterThan(10_000_000_000);
    expect(first.items).toHaveLength(2);
    expect(first.date_created).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/,
    );
    expect(state.searchMerchantOrders({ external_reference: "sale-000123" }).total).toBe(2);
    expect(
      events.filter((e) => e.type === "merchant_order" && e.action === "created"),
    ).toHaveLength(2);
  });

  it("pay approved closes the merchant order and frees the POS", () => {
    const { state, put } = setup();
    put();
    const { payment, merchantOrder } = state.pay("POS1", { status: "approved" });
    expect(merchantOrder).toMatchObject({
      status: "closed",
      order_status: "paid",
      paid_amount: 150.5,
    });
    expect(payment).toMatchObject({
      status: "approved",
      status_detail: "accredited",
      transaction_amount: 150.5,
      operation_type: "regular_payment",
      order: { id: merchantOrder.id, type: "mercadopago" },
      external_reference: "sale-000123",
      collector_id: COLLECTOR,
      amount_refunded: 0,
    });
    expect(payment.date_approved).not.toBeNull();
    expect(() => state.getOrder(String(COLLECTOR), "POS1")).toThrowError(/No associated order/);
    expect(state.truth("sale-000123")).toMatchObject({
      paid: true,
      paid_merchant_order_id: merchantOrder.id,
      approved_amount: 150.5,
    });
  });

  it("partial payment leaves the order opened and partially_paid; the rest closes it", () => {
    const { state, put } = setup();
    put();
    const partial = state.pay("POS1", { status: "approved", amount: 100 });
    expect(partial.merchantOrder).toMatchObject({
      status: "opened",
      order_status: "partially_paid",
      paid_amount: 100,
    });
    expect(state.getOrder(String(COLLECTOR), "POS1")).toBeDefined();
    const rest = state.pay("POS1", { status: "approved" });
    expect(rest.payment.transaction_amount).toBe(50.5);
    expect(rest.merchantOrder.id).toBe(partial.merchantOrder.id);
    expect(rest.merchantOrder).toMatchObject({ status: "closed", order_status: "paid" });
  });

  it("rejected then approved on the same merchant order", () => {
    const { state, put } = setup();
    put();
    const rejected = state.pay("POS1", { status: "rejected" });
    expect(rejected.payment.status).toBe("rejected");
    expect(rejected.payment.date_approved).toBeNull();
    expect(rejected.merchantOrder).toMatchObject({
      status: "opened",
      order_status: "payment_required",
    });
    const approved = state.pay("POS1", { status: "approved" });
    expect(approved.merchantOrder.id).toBe(rejected.merchantOrder.id);
    expect(approved.merchantOrder.status).toBe("closed");
    expect(approved.merchantOrder.payments.map((p) => p.status)).toEqual(["rejected", "approved"]);
  });

  it("pending payment: payment_in_process, then settled to approved", () => {
    const { state, put } = setup();
    put();
    const pending = state.pay("POS1", { status: "pending" });
    expect(pending.merchantOrder.order_status).toBe("payment_in_process");
    const settled = state.settlePayment(pending.payment.id, "approved");
    expect(settled.merchantOrder).toMatchObject({ status: "closed", order_status: "paid" });
  });

  it("the order expires at expiration_date (lazy, fake clock)", () => {
    const { state, put, clock, events } = setup();
    put(orderBody({ expiration_date: clock.iso(60_000) }));
    const mo = state.scan("POS1");
    state.pay(mo.id, { status: "rejected" });
    clock.advance(59_999);
    expect(state.getOrder(String(COLLECTOR), "POS1")).toBeDefined();
    expect(state.getMerchantOrder(mo.id).status).toBe("opened");
    clock.advance(1);
    expect(() => state.getOrder(String(COLLECTOR), "POS1")).toThrowError(/No associated order/);
    expect(state.getMerchantOrder(mo.id)).toMatchObject({
      status: "expired",
      order_status: "expired",
      cancelled: true,
    });
    const last = events.at(-1);
    expect(last?.type === "merchant_order" && last.merchantOrder.status).toBe("expired");
    expect(() => state.pay(mo.id, { status: "approved" })).toThrowError(/expired/);
  });

  it("expiry spares merchant orders with approved or pending money", () => {
    const { state, put, clock } = setup();
    put(orderBody({ expiration_date: clock.iso(60_000) }));
    const partial = state.pay("POS1", { status: "approved", amount: 10 });
    clock.advance(120_000);
    expect(state.getMerchantOrder(partial.merchantOrder.id)).toMatchObject({
      status: "opened",
      order_status: "partially_paid",
    });
  });

  it("expire() forces expiry now", () => {
    const { state, put } = setup();
    put();
    const mo = state.scan("POS1");
    const expired = state.expire("POS1");
    expect(expired.map((m) => m.id)).toEqual([mo.id]);
    expect(state.getMerchantOrder(mo.id).status).toBe("expired");
    expect(state.listPos()[0]?.order).toBeNull();
  });

  it("defaultOrderTtlMs applies to orders without expiration_date", () => {
    const { state, put, clock } = setup({ defaultOrderTtlMs: 600_000 });
    put();
    clock.advance(600_000);
    expect(state.listPos()[0]?.order).toBeNull();
  });

  it("refund: full → reverted, partial → partially_reverted; status stays closed", () => {
    const { state, put } = setup();
    put();
    const { payment } = state.pay("POS1", { status: "approved" });
    const partial = state.refund(payment.id, 50);
    expect(partial.payment).toMatchObject({ status: "approved", amount_refunded: 50 });
    expect(partial.merchantOrder).toMatchObject({
      status: "closed",
      order_status: "partially_reverted",
      refunded_amount: 50,
    });
    const full = state.refund(payment.id);
    expect(full.payment).toMatchObject({ status: "refunded", amount_refunded: 150.5 });
    expect(full.payment.refunds).toHaveLength(2);
    expect(full.merchantOrder).toMatchObject({
      status: "closed",
      order_status: "reverted",
      refunded_amount: 150.5,
    });
    expect(state.truth("sale-000123").paid).toBe(false);
  });

  it("paying a merchant order whose POS order was deleted still works (paid wins)", () => {
    const { state, put } = setup();
    put();
    const mo = state.scan("POS1");
    state.deleteOrder(String(COLLECTOR), "POS1");
    put(orderBody({ external_reference: "next-sale" }));
    const paid = state.pay(mo.id, { status: "approved" });
    expect(paid.merchantOrder.status).toBe("closed");
    // The next sale's order stays on the POS.
    expect(state.getOrder(String(COLLECTOR), "POS1")["external_reference"]).toBe("next-sale");
  });

  it("merchantOrderOnPut creates the merchant order at PUT time; pay uses it", () => {
    const { state, put, events } = setup({ merchantOrderOnPut: true });
    put();
    expect(events).toHaveLength(1);
    const [created] = state.merchantOrdersByReference("sale-000123");
    expect(created?.status).toBe("opened");
    const { merchantOrder } = state.pay("POS1", { status: "approved" });
    expect(merchantOrder.id).toBe(created?.id);
  });

  it("search answers elements: null when nothing matches", () => {
    const { state } = setup();
    expect(state.searchMerchantOrders({ external_reference: "none" })).toEqual({
      elements: null,
      next_offset: 0,
      total: 0,
    });
  });

  it("emits payment and merchant order events for each change", () => {
    const { state, put, events } = setup();
    put(orderBody({ notification_url: "https://pos.example.com/mp" }));
    const { payment } = state.pay("POS1", { status: "approved" });
    state.refund(payment.id);
    expect(events.map((e) => (e.type === "payment" ? e.action : `mo.${e.action}`))).toEqual([
      "mo.created",
      "payment.created",
      "mo.updated",
      "payment.updated",
      "mo.updated",
    ]);
  });

  it("checks the access token in constant time without exposing it", () => {
    const { state } = setup();
    expect(state.isValidAccessToken(TOKEN)).toBe(true);
    expect(state.isValidAccessToken(`${TOKEN}x`)).toBe(false);
    expect(JSON.stringify(state.summary())).not.toContain(TOKEN);
  });
});

describe("the truth of an external_reference", () => {
  function orderFor(ref: string, pos: string) {
    return {
      type: "qr",
      external_reference: ref,
      total_amount: "50.00",
      config: { qr: { external_pos_id: pos } },
      transactions: { payments: [{ amount: "50.00" }] },
    };
  }

  it("covers Orders API orders: paid once processed, with the order's id and amount", () => {
    const { state } = setup();
    const created = state.createApiOrder(orderFor("api-sale", "POS9"), "k1").body;
    expect(state.truth("api-sale")).toMatchObject({
      paid: false,
      paid_order_id: null,
      order_ids: [created.id],
      merchant_order_ids: [],
      approved_amount: 0,
    });
    state.payApiOrder("POS9", "rejected");
    expect(state.truth("api-sale").paid).toBe(false);
    state.payApiOrder("POS9", "approved");
    expect(state.truth("api-sale")).toMatchObject({
      paid: true,
      paid_order_id: created.id,
      paid_merchant_order_id: null,
      approved_amount: 50,
    });
  });

  it("an Orders API order cancelled or expired unpaid is not paid", () => {
    const { state } = setup();
    const a = state.createApiOrder(orderFor("api-cancel", "POS7"), "k2").body;
    state.cancelApiOrder(a.id, "k3");
    state.createApiOrder(orderFor("api-expire", "POS8"), "k4");
    state.expireApiOrder("POS8");
    expect(state.truth("api-cancel")).toMatchObject({ paid: false, order_ids: [a.id] });
    expect(state.truth("api-expire").paid).toBe(false);
  });
});
