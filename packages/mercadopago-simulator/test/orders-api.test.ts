import express from "express";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";

import type { Simulator, SimulatorOptions } from "../src/simulator.ts";
import { AUTH, COLLECTOR, fakeClock, orderBody, orderPath, testSimulator } from "./helpers.ts";

const sims: Simulator[] = [];
afterEach(() => {
  while (sims.length > 0) sims.pop()?.stop();
});

function setup(extra: Partial<SimulatorOptions> = {}, clock = fakeClock()) {
  const sim = testSimulator({ now: clock.now, ...extra });
  sims.push(sim);
  const app = express();
  app.use("/simulator", sim.router);
  const agent = request(app);
  let keySeq = 0;
  const key = () => `key-${++keySeq}`;
  const create = (body: Record<string, unknown>, idempotencyKey = key()) =>
    agent
      .post("/simulator/mp/v1/orders")
      .set(AUTH)
      .set("X-Idempotency-Key", idempotencyKey)
      .send(body);
  const get = (id: string) => agent.get(`/simulator/mp/v1/orders/${id}`).set(AUTH);
  const cancel = (id: string, idempotencyKey = key()) =>
    agent
      .post(`/simulator/mp/v1/orders/${id}/cancel`)
      .set(AUTH)
      .set("X-Idempotency-Key", idempotencyKey);
  const refund = (id: string, body?: unknown, idempotencyKey = key()) => {
    const req = agent
      .post(`/simulator/mp/v1/orders/${id}/refund`)
      .set(AUTH)
      .set("X-Idempotency-Key", idempotencyKey);
    return body === undefined ? req : req.send(body as object);
  };
  const payPos = (pos = "POS1", body: Record<string, unknown> = {}) =>
    agent.post(`/simulator/api/pos/${pos}/pay`).send(body);
  return { sim, clock, agent, key, create, get, cancel, refund, payPos };
}

/** A QR order body as the reference's minimal request (50.00 on POS1). */
function qrOrder(overrides: Record<string, unknown> = {}, mode?: string): Record<string, unknown> {
  return {
    type: "qr",
    external_reference: "SALE-000123",
    description: "Venta caja 1",
    total_amount: "50.00",
    expiration_time: "PT10M",
    config: { qr: { external_pos_id: "POS1", ...(mode ? { mode } : {}) } },
    transactions: { payments: [{ amount: "50.00" }] },
    items: [
      {
        title: "Smartphone",
        unit_price: "50.00",
        quantity: 1,
        unit_measure: "unit",
        external_code: "777489134",
      },
    ],
    integration_data: { sponsor: { id: "446566691" } },
    ...overrides,
  };
}

function errorCode(body: unknown): string | undefined {
  return (body as { errors?: { code: string }[] }).errors?.[0]?.code;
}

const ORD = /^ORD[0-9A-HJKMNP-TV-Z]{26}$/;
const PAY = /^PAY[0-9A-HJKMNP-TV-Z]{26}$/;

describe("Orders API: create", () => {
  it("static: 201 with the full order, string amounts, created statuses and no qr_data", async () => {
    const { create, get, clock } = setup();
    const res = await create(qrOrder());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: "qr",
      user_id: String(COLLECTOR),
      external_reference: "SALE-000123",
      description: "Venta caja 1",
      total_amount: "50.00",
      expiration_time: "PT10M",
      processing_mode: "automatic",
      status: "created",
      status_detail: "created",
      currency: "ARS",
      created_date: clock.iso(),
      last_updated_date: clock.iso(),
      config: { qr: { external_pos_id: "POS1", mode: "static" } },
      integration_data: { sponsor: { id: "446566691" } },
    });
    expect(res.body.id).toMatch(ORD);
    const payments = res.body.transactions.payments;
    expect(payments).toHaveLength(1);
    expect(payments[0]).toEqual({
      id: expect.stringMatching(PAY),
      amount: "50.00",
      status: "created",
      status_detail: "ready_to_process",
    });
    expect(res.body.type_response).toBeUndefined();
    // Ids stay in Crockford's alphabet (no I, L, O, U) also when many share a millisecond.
    for (let i = 0; i < 40; i += 1) {
      const more = await create(
        qrOrder({ external_reference: `M${i}`, config: { qr: { external_pos_id: `P${i}` } } }),
      );
      expect(more.body.id).toMatch(ORD);
      expect(more.body.transactions.payments[0].id).toMatch(PAY);
    }
    expect(res.body.items[0]).toMatchObject({ title: "Smartphone", unit_price: "50.00" });

    const read = await get(res.body.id as string);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it("dynamic and hybrid answer type_response.qr_data; expiration defaults to PT15M", async () => {
    const { create } = setup();
    const dynamic = await create(
      qrOrder({ expiration_time: undefined, external_reference: "D1" }, "dynamic"),
    );
    expect(dynamic.status).toBe(201);
    expect(dynamic.body.config.qr.mode).toBe("dynamic");
    expect(dynamic.body.expiration_time).toBe("PT15M");
    expect(dynamic.body.type_response.qr_data).toMatch(/^000201/);
    expect(dynamic.body.type_response.qr_data).toContain(dynamic.body.id);

    const hybrid = await create(
      qrOrder({
        external_reference: "H1",
        config: { qr: { external_pos_id: "POS2", mode: "hybrid" } },
      }),
    );
    expect(hybrid.status).toBe(201);
    expect(hybrid.body.config.qr.mode).toBe("hybrid");
    expect(typeof hybrid.body.type_response.qr_data).toBe("string");
  });

  it("amounts must be strings with two decimals or none, and the total must match", async () => {
    const { create } = setup();
    const asNumber = await create(qrOrder({ transactions: { payments: [{ amount: 50 }] } }));
    expect(asNumber.status).toBe(400);
    expect(errorCode(asNumber.body)).toBe("property_type");
    expect(asNumber.body.errors[0].details).toEqual(["transactions.payments[0].amount"]);

    const totalNumber = await create(qrOrder({ total_amount: 50 }));
    expect(errorCode(totalNumber.body)).toBe("property_type");

    const oneDecimal = await create(qrOrder({ transactions: { payments: [{ amount: "50.5" }] } }));
    expect(oneDecimal.status).toBe(400);
    expect(errorCode(oneDecimal.body)).toBe("property_value");

    const mismatch = await create(qrOrder({ total_amount: "49.00" }));
    expect(errorCode(mismatch.body)).toBe("property_value");

    const noDecimals = await create(
      qrOrder({ total_amount: "50", transactions: { payments: [{ amount: "50" }] } }),
    );
    expect(noDecimals.status).toBe(201);
    expect(noDecimals.body.total_amount).toBe("50.00");
  });

  it("answers the documented validation errors", async () => {
    const { agent, create } = setup({ ordersAutoCreatePos: false });
    // POS1 exists (registered through the instore PUT convenience); POS404 does not.
    await agent.put(`/simulator${orderPath()}`).set(AUTH).send(orderBody());

    const noKey = await agent.post("/simulator/mp/v1/orders").set(AUTH).send(qrOrder());
    expect(noKey.status).toBe(400);
    expect(errorCode(noKey.body)).toBe("empty_required_header");

    const longKey = await create(qrOrder(), "k".repeat(129));
    expect(errorCode(longKey.body)).toBe("invalid_idempotency_key_length");

    const unknown = await create(qrOrder({ title: "x", notification_url: "https://x" }));
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      errors: [
        {
          code: "unsupported_properties",
          message: expect.any(String),
          details: ["title", "notification_url"],
        },
      ],
    });

    const nestedUnknown = await create(
      qrOrder({ items: [{ title: "a", unit_price: "50.00", quantity: 1, total_amount: "50.00" }] }),
    );
    expect(nestedUnknown.body.errors[0]).toMatchObject({
      code: "unsupported_properties",
      details: ["items[0].total_amount"],
    });

    const cases: [Record<string, unknown>, number, string][] = [
      [qrOrder({ type: "online" }), 400, "property_value"],
      [qrOrder({ type: undefined }), 400, "required_properties"],
      [qrOrder({ external_reference: "has space" }), 400, "property_value"],
      [qrOrder({ external_reference: "x".repeat(65) }), 400, "property_value"],
      [qrOrder({ description: "d".repeat(151) }), 400, "property_value"],
      [qrOrder({ config: { qr: {} } }), 400, "required_properties"],
      [qrOrder({}, "instant"), 400, "property_value"],
      [qrOrder({ transactions: { payments: [] } }), 400, "minimum_items"],
      [
        qrOrder({ transactions: { payments: [{ amount: "25.00" }, { amount: "25.00" }] } }),
        400,
        "maximum_items",
      ],
      [qrOrder({ expiration_time: "15m" }), 400, "property_value"],
      [qrOrder({ expiration_time: "PT29S" }), 400, "property_value"],
      [qrOrder({ expiration_time: "PT3601H" }), 400, "property_value"],
      [qrOrder({ integration_data: { sponsor: { id: 446566691 } } }), 400, "sponsor_id_not_valid"],
      [qrOrder({ marketplace_fee: "1.00" }), 400, "marketplace_not_valid"],
      [
        qrOrder({
          items: Array.from({ length: 11 }, () => ({
            title: "a",
            unit_price: "1.00",
            quantity: 1,
          })),
        }),
        400,
        "maximum_items",
      ],
      [
        qrOrder({ config: { qr: { external_pos_id: "POS404", mode: "static" } } }),
        404,
        "pos_not_found",
      ],
    ];
    for (const [body, status, code] of cases) {
      const res = await create(body);
      expect({ status: res.status, code: errorCode(res.body) }).toEqual({ status, code });
    }

    const noToken = await agent
      .post("/simulator/mp/v1/orders")
      .set("X-Idempotency-Key", "k")
      .send(qrOrder());
    expect(noToken.status).toBe(401);
  });

  it("X-Idempotency-Key: same key and body → the same order; another body → 409; 24 h later a new order", async () => {
    const { create, sim, clock, cancel } = setup();
    const first = await create(qrOrder(), "sale-1");
    const again = await create(qrOrder(), "sale-1");
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(sim.state.apiOrdersByReference("SALE-000123")).toHaveLength(1);

    const other = await create(qrOrder({ description: "otra" }), "sale-1");
    expect(other.status).toBe(409);
    expect(errorCode(other.body)).toBe("idempotency_key_already_used");

    // A key is one request: reusing the create's key to cancel is another request.
    const reused = await cancel(first.body.id as string, "sale-1");
    expect(errorCode(reused.body)).toBe("idempotency_key_already_used");

    // A failed call is not remembered: the same key works once the cause is gone.
    const bad = await create(qrOrder({ external_reference: "R2", total_amount: "1.00" }), "k2");
    expect(bad.status).toBe(400);
    await cancel(first.body.id as string);
    const retried = await create(qrOrder({ external_reference: "R2" }), "k2");
    expect(retried.status).toBe(201);

    await cancel(retried.body.id as string);
    clock.advance(24 * 3_600_000 + 1000);
    const later = await create(qrOrder(), "sale-1");
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
  });

  it("one created order per POS: a second one is refused until the first ends", async () => {
    const { create, cancel, payPos } = setup();
    const first = await create(qrOrder());
    const second = await create(qrOrder({ external_reference: "SECOND" }));
    expect(second.status).toBe(409);
    expect(errorCode(second.body)).toBe("pos_already_has_an_order");

    await payPos();
    const third = await create(qrOrder({ external_reference: "THIRD" }));
    expect(third.status).toBe(201);
    await cancel(third.body.id as string);
    const fourth = await create(qrOrder({ external_reference: "FOURTH" }));
    expect(fourth.status).toBe(201);
    expect(first.body.id).not.toBe(fourth.body.id);
  });
});

describe("Orders API: get, pay, cancel, refund, expiry", () => {
  it("GET: 400 invalid_path_param for a malformed id, 404 order_not_found for an unknown one", async () => {
    const { get } = setup();
    const malformed = await get("12345");
    expect(malformed.status).toBe(400);
    expect(errorCode(malformed.body)).toBe("invalid_path_param");
    const unknown = await get("ORD01K371WBFDS4MD9JG0K8ZMECBE");
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown.body)).toBe("order_not_found");
  });

  it("the POS pay helper pays the Orders API order: processed/accredited with the paid payment", async () => {
    const { create, get, payPos } = setup();
    const created = await create(qrOrder());
    const rejected = await payPos("POS1", { status: "rejected" });
    expect(rejected.status).toBe(201);
    expect(rejected.body.order.status).toBe("created");

    const paid = await payPos();
    expect(paid.status).toBe(201);
    const read = await get(created.body.id as string);
    expect(read.body).toEqual(paid.body.order);
    expect(read.body).toMatchObject({
      status: "processed",
      status_detail: "accredited",
      total_paid_amount: "50.00",
    });
    expect(read.body.transactions.payments[0]).toEqual({
      id: created.body.transactions.payments[0].id,
      amount: "50.00",
      paid_amount: "50.00",
      status: "processed",
      status_detail: "accredited",
      payment_method: { id: "account_money", type: "account_money", installments: 1 },
      reference: { id: expect.stringMatching(/^\d+$/) },
    });
    // Paid: the POS is free, and paying again is refused.
    const again = await payPos();
    expect(again.status).toBe(409);
  });

  it("cancel: 200 while created; refused with 409 once canceled or processed; a replay answers 200", async () => {
    const { create, cancel, agent, payPos } = setup();
    const created = await create(qrOrder());
    const id = created.body.id as string;
    const noKey = await agent.post(`/simulator/mp/v1/orders/${id}/cancel`).set(AUTH);
    expect(noKey.status).toBe(400);
    expect(errorCode(noKey.body)).toBe("empty_required_header");

    const res = await cancel(id, "cancel-1");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "canceled", status_detail: "canceled" });
    expect(res.body.transactions.payments[0]).toMatchObject({
      status: "canceled",
      status_detail: "canceled_by_api",
    });
    const replay = await cancel(id, "cancel-1");
    expect(replay.status).toBe(200);
    const twice = await cancel(id);
    expect(twice.status).toBe(409);
    expect(errorCode(twice.body)).toBe("order_already_canceled");
    // A canceled order cannot be paid.
    expect((await payPos()).status).toBe(409);

    const paid = await create(qrOrder({ external_reference: "PAID" }));
    await payPos();
    const late = await cancel(paid.body.id as string);
    expect(late.status).toBe(409);
    expect(errorCode(late.body)).toBe("cannot_cancel_order");
  });

  it("refund: total (no body) makes the order refunded", async () => {
    const { create, refund, payPos } = setup();
    const created = await create(qrOrder());
    const id = created.body.id as string;
    const early = await refund(id);
    expect(early.status).toBe(409);
    expect(errorCode(early.body)).toBe("cannot_refund_order");

    await payPos();
    const res = await refund(id, undefined, "refund-1");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "refunded", status_detail: "refunded" });
    expect(res.body.transactions.payments[0]).toMatchObject({
      status: "refunded",
      status_detail: "refunded",
    });
    expect(res.body.transactions.refunds).toEqual([
      {
        id: expect.stringMatching(/^REF[0-9A-Z]{26}$/),
        transaction_id: created.body.transactions.payments[0].id,
        reference_id: expect.stringMatching(/^\d+$/),
        amount: "50.00",
        status: "processed",
      },
    ]);
    const replay = await refund(id, undefined, "refund-1");
    expect(replay.status).toBe(201);
    expect(replay.body.transactions.refunds).toHaveLength(1);
    const again = await refund(id);
    expect(again.status).toBe(409);
    expect(errorCode(again.body)).toBe("order_already_refunded");
  });

  it("refund: partial ones keep the order processed/partially_refunded until the paid amount is reached", async () => {
    const { create, refund, payPos } = setup();
    const created = await create(qrOrder());
    const id = created.body.id as string;
    const payId = created.body.transactions.payments[0].id as string;
    await payPos();

    const part = await refund(id, { transactions: [{ id: payId, amount: "20.00" }] });
    expect(part.status).toBe(201);
    expect(part.body).toMatchObject({ status: "processed", status_detail: "partially_refunded" });
    expect(part.body.transactions.refunds).toHaveLength(1);

    const tooMuch = await refund(id, { transactions: [{ id: payId, amount: "30.01" }] });
    expect(tooMuch.status).toBe(400);
    expect(errorCode(tooMuch.body)).toBe("refund_amount_exceeds");

    const asNumber = await refund(id, { transactions: [{ id: payId, amount: 10 }] });
    expect(errorCode(asNumber.body)).toBe("property_type");

    const wrongTx = await refund(id, {
      transactions: [{ id: "PAY01K371WBFDS4MD9JG0KCV6PRKQ", amount: "1.00" }],
    });
    expect(wrongTx.status).toBe(404);
    expect(errorCode(wrongTx.body)).toBe("transaction_not_found");

    const rest = await refund(id, { transactions: [{ id: payId, amount: "30.00" }] });
    expect(rest.body).toMatchObject({ status: "refunded", status_detail: "refunded" });
    expect(rest.body.transactions.refunds.map((r: { amount: string }) => r.amount)).toEqual([
      "20.00",
      "30.00",
    ]);
  });

  it("expiry: after expiration_time the order is expired/expired and can be neither paid nor canceled", async () => {
    const { create, get, cancel, payPos, clock, agent } = setup();
    const created = await create(qrOrder({ expiration_time: "PT1M" }));
    const id = created.body.id as string;
    clock.advance(59_000);
    expect((await get(id)).body.status).toBe("created");
    clock.advance(1_000);
    const read = await get(id);
    expect(read.body).toMatchObject({ status: "expired", status_detail: "expired" });
    expect(read.body.transactions.payments[0]).toMatchObject({
      status: "expired",
      status_detail: "expired",
    });
    expect((await cancel(id)).status).toBe(409);
    expect((await payPos()).status).toBe(409);

    // The expire helper ends a POS's Orders API order at once.
    const next = await create(qrOrder({ external_reference: "NEXT" }));
    const expired = await agent.post("/simulator/api/pos/POS1/expire");
    expect(expired.status).toBe(200);
    expect(expired.body.expired_orders[0]).toMatchObject({ id: next.body.id, status: "expired" });
  });

  it("an Instore PUT takes the POS from an Orders API order, and the other way round", async () => {
    const { create, agent, payPos } = setup();
    const created = await create(qrOrder());
    await agent.put(`/simulator${orderPath()}`).set(AUTH).send(orderBody());
    const paid = await payPos();
    expect(paid.body.merchant_order.status).toBe("closed");
    // The Orders API order left the POS but is still payable by its id.
    const byId = await agent.post(`/simulator/api/orders/${created.body.id}/pay`).send({});
    expect(byId.status).toBe(201);
    expect(byId.body.order.status).toBe("processed");

    await agent
      .put(`/simulator${orderPath()}`)
      .set(AUTH)
      .send(orderBody({ external_reference: "v2b" }));
    const next = await create(qrOrder({ external_reference: "AFTER" }));
    expect(next.status).toBe(201);
    const listed = await agent.get("/simulator/api/pos");
    const pos1 = listed.body.pos.find(
      (p: { pos: { external_id: string } }) => p.pos.external_id === "POS1",
    );
    expect(pos1.api_order.id).toBe(next.body.id);
    expect(pos1.order).toMatchObject({ external_reference: "AFTER", total_amount: 50 });
  });

  it("faults apply to the Orders API endpoints; a create that landed behind a 500 is found again by its key", async () => {
    const { agent, create, sim } = setup();
    const rule = await agent
      .put("/simulator/api/faults")
      .send({ endpoint: "create_api_order", kind: "500", times: 1, after: true });
    expect(rule.status).toBe(200);
    const failed = await create(qrOrder(), "sale-9");
    expect(failed.status).toBe(500);
    // The order was created: the retry with the same key answers it, no second order.
    const retried = await create(qrOrder(), "sale-9");
    expect(retried.status).toBe(201);
    expect(sim.state.apiOrdersByReference("SALE-000123").map((o) => o.id)).toEqual([
      retried.body.id,
    ]);
    await agent.put("/simulator/api/faults").send({ endpoint: "get_api_order", kind: "429" });
    const limited = await agent.get(`/simulator/mp/v1/orders/${retried.body.id}`).set(AUTH);
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBeDefined();
  });

  it("refund in async mode: processing in the answer, refunded (and notified) once settled", async () => {
    const events: string[] = [];
    const { create, refund, payPos, get, clock, sim } = setup({
      refundMode: "async",
      refundSettleMs: 5000,
    });
    sim.state.subscribe((e) => {
      if (e.type === "order") events.push(`${e.action}:${e.order.status}`);
    });
    const created = await create(qrOrder());
    const id = created.body.id as string;
    await payPos();
    const res = await refund(id);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "processed", status_detail: "accredited" });
    expect(res.body.transactions.refunds[0]).toMatchObject({
      amount: "50.00",
      status: "processing",
    });
    // Nothing left to refund while it is processing.
    const more = await refund(id, {
      transactions: [{ id: created.body.transactions.payments[0].id, amount: "1.00" }],
    });
    expect(errorCode(more.body)).toBe("refund_amount_exceeds");

    clock.advance(5000);
    const read = await get(id);
    expect(read.body).toMatchObject({ status: "refunded", status_detail: "refunded" });
    expect(read.body.transactions.refunds[0].status).toBe("processed");
    expect(events).toEqual(["order.processed:processed", "order.refunded:refunded"]);
  });
});
