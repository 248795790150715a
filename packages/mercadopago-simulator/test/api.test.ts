import express from "express";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";

import { startSimulatorServer } from "../src/simulator.ts";
import type { Simulator } from "../src/simulator.ts";
import {
  AUTH,
  COLLECTOR,
  TOKEN,
  fakeClock,
  orderBody,
  orderPath,
  posOrderPath,
  testSimulator,
} from "./helpers.ts";

const sims: Simulator[] = [];
afterEach(() => {
  while (sims.length > 0) sims.pop()?.stop();
});

function setup(clock = fakeClock()) {
  const sim = testSimulator({ now: clock.now });
  sims.push(sim);
  const app = express();
  app.use("/simulator", sim.router);
  const agent = request(app);
  const mp = (path: string) => `/simulator${path}`;
  return { sim, clock, agent, mp };
}

function item(overrides: Record<string, unknown> = {}) {
  return {
    title: "Pasta",
    unit_price: 50.25,
    quantity: 2,
    unit_measure: "unit",
    total_amount: 100.5,
    ...overrides,
  };
}

describe("simulated instore orders API", () => {
  it("PUT answers 204 with an empty body; GET echoes the order; DELETE empties the POS", async () => {
    const { agent, mp } = setup();
    const body = orderBody({ notification_url: "https://pos.example.com/mp/notifications" });
    const put = await agent.put(mp(orderPath())).set(AUTH).send(body);
    expect(put.status).toBe(204);
    expect(put.text).toBe("");

    const get = await agent.get(mp(posOrderPath())).set(AUTH);
    expect(get.status).toBe(200);
    expect(get.body).toEqual(body);

    const del = await agent.delete(mp(posOrderPath())).set(AUTH);
    expect(del.status).toBe(204);
    expect(del.text).toBe("");

    const after = await agent.get(mp(posOrderPath())).set(AUTH);
    expect(after.status).toBe(404);
    expect(after.body).toEqual({
      error: "point_of_sale_in_store_order_not_found",
      message: "No associated order found.",
      status: 404,
      cause: [],
    });

    // Deleting an empty POS is answered with 204 as well (documented simulator choice).
    expect((await agent.delete(mp(posOrderPath())).set(AUTH)).status).toBe(204);
  });

  it("rejects requests without a valid bearer token with 401", async () => {
    const { agent, mp } = setup();
    const expected = {
      message: "invalid access token",
      error: "unauthorized",
      status: 401,
      cause: [],
    };
    const none = await agent.put(mp(orderPath())).send(orderBody());
    expect(none.status).toBe(401);
    expect(none.body).toEqual(expected);
    const wrong = await agent.get(mp("/mp/merchant_orders/1")).set("Authorization", "Bearer nope");
    expect(wrong.status).toBe(401);
    const query = await agent.get(mp(`/mp/v1/payments/1?access_token=${TOKEN}`));
    expect(query.status).toBe(401);
    expect(JSON.stringify(query.body)).not.toContain(TOKEN);
    // A token sent in the query is redacted from the request log.
    const logged = await agent.get(mp("/api/requests")).expect(200);
    expect(logged.text).not.toContain(TOKEN);
    expect(logged.text).toContain("access_token=[redacted]");
  });

  const badBodies: [string, string, Record<string, unknown>][] = [
    [
      "missing external_reference",
      "invalid_external_reference",
      orderBody({ external_reference: undefined }),
    ],
    [
      "numeric external_reference",
      "invalid_external_reference",
      orderBody({ external_reference: 12345 }),
    ],
    ["missing title", "invalid_title", orderBody({ title: undefined })],
    ["string total_amount", "invalid_total_amount", orderBody({ total_amount: "150.5" })],
    ["missing total_amount", "invalid_total_amount", orderBody({ total_amount: undefined })],
    ["no items", "error_creating_seller_qr_order", orderBody({ items: [] })],
    [
      "item without title",
      "invalid_items.title",
      orderBody({ items: [item({ title: undefined })], total_amount: 100.5 }),
    ],
    [
      "unit_price with 3 decimals",
      "invalid_items.unit_price",
      orderBody({
        items: [item({ unit_price: 50.255, total_amount: 100.51 })],
        total_amount: 100.51,
      }),
    ],
    [
      "fractional quantity",
      "invalid_items.quantity",
      orderBody({ items: [item({ quantity: 1.5 })], total_amount: 100.5 }),
    ],
    [
      "unit_measure kg",
      "invalid_items.unit_measure",
      orderBody({ items: [item({ unit_measure: "kg" })], total_amount: 100.5 }),
    ],
    [
      "item total not a number",
      "invalid_items.total_amount",
      orderBody({ items: [item({ total_amount: "100.5" })], total_amount: 100.5 }),
    ],
    [
      "item total != unit_price × quantity",
      "invalid_total_amount",
      orderBody({ items: [item({ total_amount: 100 })], total_amount: 100 }),
    ],
    ["total != sum of items", "invalid_total_amount", orderBody({ total_amount: 150 })],
    [
      "expiration_date in the past",
      "invalid_expiration_date",
      orderBody({ expiration_date: "2020-01-01T00:00:00.000-03:00" }),
    ],
    [
      "expiration_date not ISO",
      "invalid_expiration_date",
      orderBody({ expiration_date: "tomorrow" }),
    ],
  ];

  it.each(badBodies)("PUT with %s → 400 %s", async (_name, code, body) => {
    const { agent, mp } = setup();
    const res = await agent.put(mp(orderPath())).set(AUTH).send(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: expect.any(String), error: code, status: 400, cause: [] });
    expect((await agent.get(mp(posOrderPath())).set(AUTH)).status).toBe(404);
  });

  it("PUT with a bad collector id → 400 invalid_collectorId", async () => {
    const { agent, mp } = setup();
    for (const user of ["abc", String(COLLECTOR + 1)]) {
      const res = await agent
        .put(mp(orderPath("POS1", "STORE1", user)))
        .set(AUTH)
        .send(orderBody());
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("invalid_collectorId");
    }
    const get = await agent.get(mp(posOrderPath("POS1", "x1"))).set(AUTH);
    expect(get.body.error).toBe("invalid_collectorId");
  });

  it("accepts a future expiration_date and 'pack' items; malformed JSON → 400", async () => {
    const { agent, mp, clock } = setup();
    const ok = await agent
      .put(mp(orderPath()))
      .set(AUTH)
      .send(
        orderBody({
          expiration_date: "2025-06-01T12:30:00.000-03:00",
          items: [item({ unit_measure: "pack", quantity: 3, total_amount: 150.75 })],
          total_amount: 150.75,
        }),
      );
    expect(ok.status).toBe(204);
    expect(clock.iso()).toBe("2025-06-01T15:00:00.000Z");
    const bad = await agent
      .put(mp(orderPath()))
      .set(AUTH)
      .set("content-type", "application/json")
      .send("{not json");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 400, cause: [] });
  });
});

describe("simulated merchant orders and payments API", () => {
  it("search answers elements: null when nothing matches (both paths)", async () => {
    const { agent, mp } = setup();
    for (const path of ["/merchant_orders/search", "/merchant_orders"]) {
      const res = await agent.get(mp(`/mp${path}?external_reference=nothing`)).set(AUTH);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ elements: null, next_offset: 0, total: 0 });
    }
  });

  it("scan twice → two merchant orders for the reference; pay closes one", async () => {
    const { agent, mp } = setup();
    await agent.put(mp(orderPath())).set(AUTH).send(orderBody()).expect(204);
    const first = await agent.post(mp("/api/pos/POS1/scan")).expect(201);
    const second = await agent.post(mp("/api/pos/POS1/scan")).expect(201);
    expect(first.body.id).not.toBe(second.body.id);

    const search = await agent
      .get(mp("/mp/merchant_orders/search?external_reference=sale-000123"))
      .set(AUTH)
      .expect(200);
    expect(search.body.total).toBe(2);
    expect(search.body.elements).toHaveLength(2);

    const paid = await agent.post(mp("/api/pos/POS1/pay")).send({ status: "approved" }).expect(201);
    // The newest opened merchant order is the one being paid.
    expect(paid.body.merchant_order.id).toBe(second.body.id);

    const mo = await agent
      .get(mp(`/mp/merchant_orders/${second.body.id}`))
      .set(AUTH)
      .expect(200);
    expect(mo.body).toMatchObject({ status: "closed", order_status: "paid", paid_amount: 150.5 });
    const other = await agent
      .get(mp(`/mp/merchant_orders/${first.body.id}`))
      .set(AUTH)
      .expect(200);
    expect(other.body.status).toBe("opened");

    // POS slot freed: the QR is back on the waiting screen.
    await agent.get(mp(posOrderPath())).set(AUTH).expect(404);

    const payment = await agent
      .get(mp(`/mp/v1/payments/${paid.body.payment.id}`))
      .set(AUTH)
      .expect(200);
    expect(payment.body).toMatchObject({
      id: paid.body.payment.id,
      status: "approved",
      transaction_amount: 150.5,
      order: { id: second.body.id, type: "mercadopago" },
      external_reference: "sale-000123",
      collector_id: COLLECTOR,
    });
    expect(typeof payment.body.pos_id).toBe("string");
    expect(typeof payment.body.store_id).toBe("string");
  });

  it("pay on a POS without a merchant order scans first; partial payment stays opened", async () => {
    const { agent, mp } = setup();
    await agent.put(mp(orderPath())).set(AUTH).send(orderBody()).expect(204);
    const res = await agent
      .post(mp("/api/pos/POS1/pay"))
      .send({ status: "approved", amount: 100 })
      .expect(201);
    expect(res.body.merchant_order).toMatchObject({
      status: "opened",
      order_status: "partially_paid",
      paid_amount: 100,
    });
    await agent.get(mp(posOrderPath())).set(AUTH).expect(200);
  });

  it("rejected then approved", async () => {
    const { agent, mp } = setup();
    await agent.put(mp(orderPath())).set(AUTH).send(orderBody()).expect(204);
    const rejected = await agent.post(mp("/api/pos/POS1/pay")).send({ status: "rejected" });
    expect(rejected.body.merchant_order.status).toBe("opened");
    const approved = await agent.post(mp("/api/pos/POS1/pay")).send({ status: "approved" });
    expect(approved.body.merchant_order).toMatchObject({ status: "closed", order_status: "paid" });
    expect(approved.body.merchant_order.payments).toHaveLength(2);
  });

  it("expiry by clock: slot empty, merchant order expired and cancelled", async () => {
    const { agent, mp, clock } = setup();
    await agent
      .put(mp(orderPath()))
      .set(AUTH)
      .send(orderBody({ expiration_date: clock.iso(5 * 60_000) }))
      .expect(204);
    const mo = await agent.post(mp("/api/pos/POS1/scan")).expect(201);
    clock.advance(5 * 60_000 + 1);
    await agent.get(mp(posOrderPath())).set(AUTH).expect(404);
    const res = await agent
      .get(mp(`/mp/merchant_orders/${mo.body.id}`))
      .set(AUTH)
      .expect(200);
    expect(res.body).toMatchObject({ status: "expired", order_status: "expired", cancelled: true });
  });

  it("expire and refund helpers", async () => {
    const { agent, mp } = setup();
    await agent.put(mp(orderPath())).set(AUTH).send(orderBody()).expect(204);
    await agent.post(mp("/api/pos/POS1/scan")).expect(201);
    const expired = await agent.post(mp("/api/pos/POS1/expire")).expect(200);
    expect(expired.body.expired[0]).toMatchObject({ status: "expired", cancelled: true });

    await agent
      .put(mp(orderPath()))
      .set(AUTH)
      .send(orderBody({ external_reference: "sale-2" }))
      .expect(204);
    const paid = await agent.post(mp("/api/pos/POS1/pay")).send({}).expect(201);
    const refund = await agent.post(mp(`/api/payments/${paid.body.payment.id}/refund`)).expect(200);
    expect(refund.body.payment).toMatchObject({ status: "refunded", amount_refunded: 150.5 });
    expect(refund.body.merchant_order).toMatchObject({
      status: "closed",
      order_status: "reverted",
      refunded_amount: 150.5,
    });
  });

  it("payment refunds API: partial then the rest, one refund per X-Idempotency-Key, the list", async () => {
    const { agent, mp } = setup();
    await agent.put(mp(orderPath())).set(AUTH).send(orderBody()).expect(204);
    const paid = await agent.post(mp("/api/pos/POS1/pay")).send({}).expect(201);
    const id = paid.body.payment.id as number;
    const refunds = mp(`/mp/v1/payments/${id}/refunds`);

    const noKey = await agent.post(refunds).set(AUTH).send({ amount: 1 });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error).toBe("4292");

    const first = await agent
      .post(refunds)
      .set(AUTH)
      .set("X-Idempotency-Key", "k1")
      .send({ amount: 50.5 })
      .expect(201);
    expect(first.body).toMatchObject({ payment_id: id, amount: 50.5, status: "approved" });
    const replay = await agent
      .post(refunds)
      .set(AUTH)
      .set("X-Idempotency-Key", "k1")
      .send({ amount: 50.5 })
      .expect(201);
    expect(replay.body.id).toBe(first.body.id);
    const payment = await agent
      .get(mp(`/mp/v1/payments/${id}`))
      .set(AUTH)
      .expect(200);
    expect(payment.body).toMatchObject({
      status: "approved",
      status_detail: "partially_refunded",
      transaction_amount_refunded: 50.5,
    });

    const tooMuch = await agent
      .post(refunds)
      .set(AUTH)
      .set("X-Idempotency-Key", "k2")
      .send({ amount: 100.01 });
    expect(tooMuch.status).toBe(400);
    await agent.post(refunds).set(AUTH).set("X-Idempotency-Key", "k3").send({}).expect(201);
    const list = await agent.get(refunds).set(AUTH).expect(200);
    expect(list.body.map((r: { amount: number }) => r.amount)).toEqual([50.5, 100]);
    const mo = await agent
      .get(mp(`/mp/merchant_orders/${paid.body.merchant_order.id}`))
      .set(AUTH)
      .expect(200);
    expect(mo.body).toMatchObject({ order_status: "reverted", refunded_amount: 150.5 });
    expect(mo.body.payments[0]).toMatchObject({ status: "refunded", amount_refunded: 150.5 });
    const again = await agent.post(refunds).set(AUTH).set("X-Idempotency-Key", "k4").send({});
    expect(again.status).toBe(400);
  });

  it("merchant order id errors: 400 invalid_format and 404 not_found; payment 404", async () => {
    const { agent, mp } = setup();
    const bad = await agent.get(mp("/mp/merchant_orders/abc")).set(AUTH);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("invalid_format");
    const missing = await agent.get(mp("/mp/merchant_orders/123")).set(AUTH);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: "not_found", status: 404 });
    expect((await agent.get(mp("/mp/v1/payments/123")).set(AUTH)).status).toBe(404);
  });

  it("helper errors: pay on an empty POS → 409, unknown POS → 404", async () => {
    const { agent, mp } = setup();
    await agent.post(mp("/api/pos/NOPE/scan")).expect(404);
    await agent.put(mp(orderPath())).set(AUTH).send(orderBody()).expect(204);
    await agent.delete(mp(posOrderPath())).set(AUTH).expect(204);
    const res = await agent.post(mp("/api/pos/POS1/pay")).send({ status: "approved" });
    expect(res.status).toBe(409);
    await agent.post(mp("/api/pos/POS1/pay")).send({ status: "maybe" }).expect(400);
  });
});

describe("stores, POS and QR", () => {
  const storeBody = {
    name: "Sucursal Centro",
    external_id: "STORE001",
    business_hours: { monday: [{ open: "08:00", close: "12:00" }] },
    location: {
      street_number: "3039",
      street_name: "Caseros",
      city_name: "Belgrano",
      state_name: "Capital Federal",
      latitude: -32.8897322,
      longitude: -68.8443275,
      reference: "3er Piso",
    },
  };
  const posBody = {
    name: "Caja 1",
    fixed_amount: true,
    category: 621102,
    external_store_id: "STORE001",
    external_id: "STORE001POS001",
  };

  it("creates a store and a POS; duplicate POS → 409; QR image is a PNG", async () => {
    const { agent, mp } = setup();
    const store = await agent
      .post(mp(`/mp/users/${COLLECTOR}/stores`))
      .set(AUTH)
      .send(storeBody);
    expect(store.status).toBe(200);
    expect(store.body).toMatchObject({
      id: expect.any(String),
      name: "Sucursal Centro",
      external_id: "STORE001",
      location: { address_line: "Caseros 3039, Belgrano, Capital Federal", reference: "3er Piso" },
    });

    const pos = await agent.post(mp("/mp/pos")).set(AUTH).send(posBody);
    expect(pos.status).toBe(201);
    expect(pos.body).toMatchObject({
      id: expect.any(Number),
      external_id: "STORE001POS001",
      external_store_id: "STORE001",
      store_id: store.body.id,
      fixed_amount: true,
      user_id: COLLECTOR,
    });
    const image: string = pos.body.qr.image;
    expect(image).toMatch(/\/simulator\/qr\/STORE001POS001\.png$/);
    expect(pos.body.qr.template_document).toEqual(expect.any(String));
    expect(pos.body.qr.template_image).toEqual(expect.any(String));

    const dup = await agent.post(mp("/mp/pos")).set(AUTH).send(posBody);
    expect(dup.status).toBe(409);
    expect(dup.body.message).toBe("A pos with the same EXTERNAL_ID already exists");

    const png = await agent
      .get(new URL(image).pathname)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => cb(null, Buffer.concat(chunks)));
      });
    expect(png.status).toBe(200);
    expect(png.headers["content-type"]).toBe("image/png");
    const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect((png.body as Buffer).subarray(0, 8).equals(signature)).toBe(true);

    const found = await agent.get(mp("/mp/pos?external_id=STORE001POS001")).set(AUTH).expect(200);
    expect(found.body.results).toHaveLength(1);
    const stores = await agent
      .get(mp(`/mp/users/${COLLECTOR}/stores/search?external_id=STORE001`))
      .set(AUTH)
      .expect(200);
    expect(stores.body.results[0].external_id).toBe("STORE001");
  });

  it("POS validation: fixed_amount false, bad external_id, unknown store", async () => {
    const { agent, mp } = setup();
    await agent
      .post(mp(`/mp/users/${COLLECTOR}/stores`))
      .set(AUTH)
      .send(storeBody)
      .expect(200);
    const cases: [Record<string, unknown>, string][] = [
      [{ ...posBody, fixed_amount: false }, "FIXED_AMOUNT_FALSE"],
      [{ ...posBody, external_id: "POS-1" }, "INVALID_EXTERNAL_ID"],
      [{ ...posBody, external_id: "A".repeat(40) }, "EXTERNAL_ID_TOO_LONG"],
      [{ ...posBody, external_store_id: "NOSTORE" }, "INEXISTENT_EXTERNAL_STORE_ID"],
      [{ ...posBody, name: "x".repeat(45) }, "NAME_TOO_LONG"],
    ];
    for (const [body, code] of cases) {
      const res = await agent.post(mp("/mp/pos")).set(AUTH).send(body);
      expect(res.status, code).toBe(400);
      expect(res.body.error).toBe(code);
    }
  });

  it("a PUT on an unknown POS creates it (zero-config convenience)", async () => {
    const { agent, mp } = setup();
    await agent
      .put(mp(orderPath("CAJA7", "SUC9")))
      .set(AUTH)
      .send(orderBody())
      .expect(204);
    const list = await agent.get(mp("/api/pos")).expect(200);
    expect(list.body.pos).toHaveLength(1);
    expect(list.body.pos[0]).toMatchObject({
      auto_created: true,
      pos: { external_id: "CAJA7", external_store_id: "SUC9" },
      order: { external_reference: "sale-000123" },
      merchant_orders: [],
    });
    expect(list.body.pos[0].pos.qr.image).toMatch(/\/qr\/CAJA7\.png$/);
    const bad = await agent
      .put(mp(orderPath("CAJA-7")))
      .set(AUTH)
      .send(orderBody());
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("invalid_externalPosId");
  });
});

describe("no access token leaks", () => {
  it("page, script, helpers and logs never contain the access token", async () => {
    const { agent, mp } = setup();
    await agent
      .put(mp(orderPath()))
      .set(AUTH)
      .send(orderBody({ notification_url: "https://pos.example.com/n?secret=s3" }))
      .expect(204);
    await agent.post(mp("/api/pos/POS1/pay")).send({ status: "approved" }).expect(201);
    const page = await agent.get("/simulator").expect(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.text).toContain('data-base="/simulator"');
    expect(page.text).toContain('src="/simulator/page.js"');
    const bodies = [
      page.text,
      (await agent.get("/simulator/page.js").expect(200)).text,
      (await agent.get(mp("/api/pos")).expect(200)).text,
      (await agent.get(mp("/api/state")).expect(200)).text,
      (await agent.get(mp("/api/notifications")).expect(200)).text,
      (await agent.get(mp("/api/requests")).expect(200)).text,
      (await agent.get(mp("/api/faults")).expect(200)).text,
    ];
    for (const text of bodies) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(TOKEN.slice(8));
    }
    const state = await agent.get(mp("/api/state")).expect(200);
    expect(state.body).toMatchObject({ collector_id: COLLECTOR, mp_requests: 1 });
  });

  it("records the Mercado Pago calls it receives (for call counting)", async () => {
    const { agent, mp, sim } = setup();
    await agent.put(mp(orderPath())).set(AUTH).send(orderBody()).expect(204);
    await agent.get(mp(posOrderPath())).set(AUTH).expect(200);
    await agent.get(mp("/mp/merchant_orders/1")).expect(401);
    expect(sim.requests.map((r) => [r.method, r.status])).toEqual([
      ["PUT", 204],
      ["GET", 200],
      ["GET", 401],
    ]);
    expect(sim.requests[0]?.path).toBe(orderPath().slice(3));
  });
});

describe("served as the service's private upstream (helpers: false)", () => {
  it("answers the Mercado Pago API but no test helper", async () => {
    const server = await startSimulatorServer({
      accessToken: TOKEN,
      collectorId: COLLECTOR,
      helpers: false,
    });
    try {
      const put = await request(server.server)
        .put(`/simulator${orderPath()}`)
        .set(AUTH)
        .send(orderBody());
      expect(put.status).toBe(204);
      const pay = await request(server.server)
        .post("/simulator/api/pos/POS1/pay")
        .send({ status: "approved" });
      expect(pay.status).toBe(404);
      expect((await request(server.server).get("/simulator/api/pos")).status).toBe(404);
      expect(server.sim.truth("sale-000123").paid).toBe(false);
    } finally {
      await server.close();
    }
  });
});
