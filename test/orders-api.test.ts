import { createHmac } from "node:crypto";
import nock from "nock";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  MP_BASE,
  TOKEN,
  auth,
  buildHarness,
  createTestDb,
  expectPut,
  merchantOrder,
  saleBody,
  type Harness,
  type TestDb,
} from "./helpers.ts";

/**
 * The Orders API behind the same POS contract (MP_API=orders), against nock standing in for
 * Mercado Pago exactly as reference/mercadopago-orders-api.md describes it.
 */

const SIGNING_SECRET = "orders-signing-secret-0123456789";
const SPONSOR = "446566691";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let db: TestDb;
/** MP_API=orders, static QR, with a sponsor and a signing secret */
let orders: Harness;
/** MP_API=orders, hybrid QR */
let hybrid: Harness;
/** the same database with MP_API=instore_v2 (before, or after, a switch) */
let instore: Harness;

beforeAll(async () => {
  db = await createTestDb();
  orders = buildHarness(db, { mpApi: "orders", sponsorId: SPONSOR, signingSecret: SIGNING_SECRET });
  hybrid = buildHarness(db, { mpApi: "orders", qrMode: "hybrid" });
  instore = buildHarness(db, { mpApi: "instore_v2" });
});
afterAll(async () => {
  await db.drop();
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

let seq = 0;
/** An order id as Mercado Pago makes them: ORD and 26 Crockford base32 characters. */
function orderId(): string {
  seq++;
  return `ORD01K371WBFDS4MD9JG0K8ZME${String(seq).padStart(3, "0")}`;
}

interface OrderFields {
  id: string;
  ref: string;
  posId: string;
  amount?: string;
  status?: string;
  statusDetail?: string;
  payment?: Record<string, unknown>;
  refunds?: unknown[];
  qrData?: string;
}

/** An order as the Orders API answers it (§1.5, §4.2). */
function order(f: OrderFields) {
  const amount = f.amount ?? "5.00";
  const status = f.status ?? "created";
  return {
    id: f.id,
    type: "qr",
    processing_mode: "automatic",
    external_reference: f.ref,
    total_amount: amount,
    expiration_time: "PT10M",
    country_code: "ARG",
    user_id: "240424235",
    status,
    status_detail: f.statusDetail ?? status,
    currency: "ARS",
    created_date: "2026-11-28T12:00:00.000Z",
    last_updated_date: "2026-11-28T12:00:00.000Z",
    integration_data: { application_id: "147632494144930" },
    config: { qr: { external_pos_id: f.posId, mode: "static" } },
    transactions: {
      payments: [
        {
          id: "PAY01K371WBFDS4MD9JG0KCV6PRKQ",
          amount,
          status: "created",
          status_detail: "ready_to_process",
          ...f.payment,
        },
      ],
      ...(f.refunds ? { refunds: f.refunds } : {}),
    },
    ...(f.qrData ? { type_response: { qr_data: f.qrData } } : {}),
  };
}

const processed = (f: OrderFields) =>
  order({
    ...f,
    status: "processed",
    statusDetail: "accredited",
    payment: { status: "processed", status_detail: "accredited", paid_amount: f.amount ?? "5.00" },
  });

/** Expects one create; answers `reply` (default: 201 with a created order) and records the call. */
function expectCreate(
  f: OrderFields,
  calls: { body: unknown; key: string | undefined }[],
  reply: [number, Record<string, unknown>] = [201, order(f)],
) {
  let key: string | undefined;
  return nock(MP_BASE, {
    reqheaders: {
      authorization: `Bearer ${TOKEN}`,
      "x-idempotency-key": (value: string) => {
        key = value;
        return true;
      },
    },
  })
    .post("/v1/orders", (body) => {
      calls.push({ body, key });
      return true;
    })
    .reply(...reply);
}

async function row(ref: string) {
  return db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
}

/** Creates a sale on the Orders API through `h`; returns the request body and the order id. */
async function createOrderSale(h: Harness = orders, f: Partial<OrderFields> = {}) {
  const body = saleBody();
  const id = orderId();
  const calls: { body: unknown; key: string | undefined }[] = [];
  expectCreate({ id, ref: body.external_reference, posId: body.pos_id, ...f }, calls);
  const res = await request(h.app).post("/sales").set(auth).send(body).expect(201);
  return { body, id, res, calls };
}

function signature(dataId: string, requestId: string, ts: number, secret = SIGNING_SECRET) {
  const v1 = createHmac("sha256", secret)
    .update(`id:${dataId};request-id:${requestId};ts:${ts};`)
    .digest("hex");
  return `ts=${ts},v1=${v1}`;
}

/** Posts an order webhook as Mercado Pago does (§4.2), signed unless told otherwise. */
function notify(h: Harness, id: string, headers: Record<string, string> = {}) {
  const requestId = "2066ca19-c6f1-498a-be75-1923005edd06";
  return request(h.app)
    .post(`/webhooks/mercadopago?data.id=${id}&type=order`)
    .set("content-type", "application/json")
    .set("x-request-id", requestId)
    .set({ "x-signature": signature(id.toLowerCase(), requestId, Date.now()), ...headers })
    .send({
      action: "order.processed",
      api_version: "v1",
      type: "order",
      data: { id, status: "processed" },
    })
    .expect(200);
}

describe("create on the Orders API", () => {
  it("POSTs /v1/orders as documented: qr type, the POS, string amounts, ISO duration, sponsor, an idempotency key", async () => {
    const body = saleBody({
      items: [
        { title: "Coffee", unit_price: 2.5, quantity: 2, sku_number: "777489134" },
        { title: "Cake", unit_price: 0.05, quantity: 1, unit_measure: "pack" },
      ],
    });
    const id = orderId();
    const calls: { body: unknown; key: string | undefined }[] = [];
    expectCreate({ id, ref: body.external_reference, posId: body.pos_id, amount: "5.05" }, calls);

    const res = await request(orders.app).post("/sales").set(auth).send(body).expect(201);

    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toEqual({
      type: "qr",
      external_reference: body.external_reference,
      description: `Sale ${body.external_reference}`,
      total_amount: "5.05",
      expiration_time: "PT10M",
      config: { qr: { external_pos_id: body.pos_id, mode: "static" } },
      transactions: { payments: [{ amount: "5.05" }] },
      items: [
        {
          title: "Coffee",
          unit_price: "2.50",
          quantity: 2,
          unit_measure: "unit",
          external_code: "777489134",
        },
        { title: "Cake", unit_price: "0.05", quantity: 1, unit_measure: "pack" },
      ],
      integration_data: { sponsor: { id: SPONSOR } },
    });
    expect(calls[0]?.key).toMatch(UUID);
    expect(res.body).toMatchObject({
      status: "pending",
      mercadopago_api: "orders",
      order_id: id,
      qr_data: null,
      merchant_order_id: null,
      total_amount: 5.05,
    });
    const stored = await row(body.external_reference);
    expect(stored).toMatchObject({
      mercadopagoApi: "orders",
      orderId: id,
      orderPaymentId: "PAY01K371WBFDS4MD9JG0KCV6PRKQ",
      orderState: "on_pos",
    });
  });

  it("a create whose answer is lost is sent again with the same idempotency key and yields the one order", async () => {
    const body = saleBody();
    const id = orderId();
    const f = { id, ref: body.external_reference, posId: body.pos_id };
    const calls: { body: unknown; key: string | undefined }[] = [];
    // Mercado Pago made the order but the answer was a 500: the retry gets the same order back
    expectCreate(f, calls, [500, { errors: [{ code: "internal_error", message: "boom" }] }]);
    expectCreate(f, calls);

    const res = await request(orders.app).post("/sales").set(auth).send(body).expect(201);

    expect(calls).toHaveLength(2);
    expect(calls[0]?.key).toMatch(UUID);
    expect(calls[1]?.key).toBe(calls[0]?.key);
    expect(calls[1]?.body).toEqual(calls[0]?.body);
    expect(res.body.order_id).toBe(id);
  });

  it("a create still unanswered is handed to the sweeper, which sends it again with the same key", async () => {
    const body = saleBody();
    const id = orderId();
    const f = { id, ref: body.external_reference, posId: body.pos_id };
    const calls: { body: unknown; key: string | undefined }[] = [];
    const unavailable: [number, Record<string, unknown>] = [503, { message: "unavailable" }];
    for (let i = 0; i < 3; i++) expectCreate(f, calls, unavailable);

    const res = await request(orders.app).post("/sales").set(auth).send(body);
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    expect((await row(body.external_reference)).orderState).toBe("publishing");

    expectCreate(f, calls);
    await db.prisma.sale.update({
      where: { externalReference: body.external_reference },
      data: { nextCheckAt: new Date(Date.now() - 1000) },
    });
    await orders.sweeper.runOnce();

    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((c) => c.key)).size).toBe(1);
    expect(await row(body.external_reference)).toMatchObject({
      status: "pending",
      orderState: "on_pos",
      orderId: id,
    });
  });

  it("a create the sweeper sends again and Mercado Pago refuses fails the sale", async () => {
    const body = saleBody();
    const f = { id: orderId(), ref: body.external_reference, posId: body.pos_id };
    const calls: { body: unknown; key: string | undefined }[] = [];
    for (let i = 0; i < 3; i++) expectCreate(f, calls, [503, { message: "unavailable" }]);
    await request(orders.app).post("/sales").set(auth).send(body).expect(504);
    expectCreate(f, calls, [404, { errors: [{ code: "pos_not_found", message: "no POS" }] }]);
    await db.prisma.sale.update({
      where: { externalReference: body.external_reference },
      data: { nextCheckAt: new Date(Date.now() - 1000) },
    });
    await orders.sweeper.runOnce();
    expect(await row(body.external_reference)).toMatchObject({
      status: "failed",
      orderState: "withdrawn",
      orderId: null,
    });
  });

  it("a refused create fails the sale with 502 mercadopago_rejected (the Orders API's error body)", async () => {
    const body = saleBody();
    const calls: { body: unknown; key: string | undefined }[] = [];
    expectCreate({ id: orderId(), ref: body.external_reference, posId: body.pos_id }, calls, [
      404,
      { errors: [{ code: "pos_not_found", message: "POS not found", details: [] }] },
    ]);
    const res = await request(orders.app).post("/sales").set(auth).send(body).expect(502);
    expect(res.body.error.code).toBe("mercadopago_rejected");
    expect(res.body.error.details[0]).toMatchObject({ mercadopago_error: "pos_not_found" });
    expect((await row(body.external_reference)).status).toBe("failed");
  });

  it("hybrid mode keeps the order's qr_data and serves it as a PNG; a sale without one is 404", async () => {
    const qrData = "00020101021243650016COM.MERCADOLIBRE02013063638f1192a-5fd1-4180-a180";
    const { body, res } = await createOrderSale(hybrid, { qrData });
    expect(res.body.qr_data).toBe(qrData);
    const png = await request(hybrid.app)
      .get(`/orders/${body.external_reference}/qr.png`)
      .set(auth)
      .expect(200);
    expect(png.headers["content-type"]).toBe("image/png");
    expect((png.body as Buffer).subarray(1, 4).toString()).toBe("PNG");

    const { body: plain } = await createOrderSale(orders);
    const none = await request(orders.app)
      .get(`/orders/${plain.external_reference}/qr.png`)
      .set(auth)
      .expect(404);
    expect(none.body.error.code).toBe("not_found");
    await request(orders.app).get(`/orders/${plain.external_reference}/qr.png`).expect(401);
  });
});

describe("the Orders API's limits, refused at validation", () => {
  it.each([
    [
      "11 items",
      { items: Array.from({ length: 11 }, () => ({ title: "Tea", unit_price: 1, quantity: 1 })) },
      /items: must have at most 10 items/,
    ],
    [
      "a 151-character item title",
      { items: [{ title: "x".repeat(151), unit_price: 1, quantity: 1 }] },
      /items\.0\.title: must be at most 150 characters/,
    ],
    [
      "Colombian taxes",
      {
        items: [{ title: "Tea", unit_price: 100, quantity: 1 }],
        taxes: [{ type: "IVA", value: 16 }],
      },
      /taxes: taxes are not supported by Mercado Pago's Orders API/,
    ],
  ])("%s → 400 validation_failed, nothing stored, nothing sent", async (_name, fields, message) => {
    const body = saleBody(fields);
    const res = await request(orders.app).post("/sales").set(auth).send(body).expect(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.message).toMatch(message);
    expect(
      await db.prisma.sale.count({ where: { externalReference: body.external_reference } }),
    ).toBe(0);
  });

  it("the same sales are fine on instore orders v2", async () => {
    const body = saleBody({
      items: Array.from({ length: 11 }, () => ({
        title: "x".repeat(151),
        unit_price: 1,
        quantity: 1,
      })),
    });
    expectPut(body.store_id, body.pos_id);
    await request(instore.app).post("/sales").set(auth).send(body).expect(201);
  });
});

describe("settlement on the Orders API", () => {
  it("a signed order notification is read by id and makes the sale paid", async () => {
    const { body, id } = await createOrderSale();
    const ref = body.external_reference;
    nock(MP_BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get(`/v1/orders/${id}`)
      .reply(200, processed({ id, ref, posId: body.pos_id }));

    await notify(orders, id);
    await orders.worker.runOnce();

    const sale = await request(orders.app).get(`/orders/${ref}`).set(auth).expect(200);
    expect(sale.body).toMatchObject({
      status: "paid",
      paid_amount: 5,
      order_id: id,
      payments: [{ id: "PAY01K371WBFDS4MD9JG0KCV6PRKQ", status: "processed", amount: 5 }],
    });
    expect((await row(ref)).orderStatus).toBe("processed");
  });

  it.each([
    ["without x-signature", { "x-signature": "" }],
    ["signed with another secret", { "x-signature": "WRONG" }],
  ])(
    "an order notification %s for an order not ours costs no row and no read",
    async (_name, headers) => {
      // our own pending order is re-read on a mismatch (test/orders-signature-fallback.test.ts)
      await createOrderSale();
      const id = "ORD01K371WBFDS4MD9JG0K8ZME999"; // the form of ours, never created
      const signed =
        headers["x-signature"] === "WRONG"
          ? {
              "x-signature": signature(
                id,
                "2066ca19-c6f1-498a-be75-1923005edd06",
                Date.now(),
                "x".repeat(32),
              ),
            }
          : headers;
      await notify(orders, id, signed);
      expect(
        await db.prisma.notification.count({ where: { topic: "order", resourceId: id } }),
      ).toBe(0);
    },
  );

  it("an order that covers less than the sale total leaves the sale pending", async () => {
    const { body, id } = await createOrderSale();
    nock(MP_BASE)
      .get(`/v1/orders/${id}`)
      .reply(
        200,
        processed({ id, ref: body.external_reference, posId: body.pos_id, amount: "4.99" }),
      );
    await notify(orders, id);
    await orders.worker.runOnce();
    expect((await row(body.external_reference)).status).toBe("pending");
  });

  it("the reconciler reads the order by its stored id (no search by reference)", async () => {
    const { body, id } = await createOrderSale();
    const ref = body.external_reference;
    nock(MP_BASE)
      .get(`/v1/orders/${id}`)
      .reply(200, processed({ id, ref, posId: body.pos_id }));
    await db.prisma.sale.update({
      where: { externalReference: ref },
      data: { nextCheckAt: new Date(Date.now() - 1000) },
    });
    await orders.sweeper.runOnce();
    expect((await row(ref)).status).toBe("paid");
  });

  it("at expiry the order is cancelled if still created, read a last time, and the sale expires", async () => {
    const { body, id } = await createOrderSale();
    const ref = body.external_reference;
    const f = { id, ref, posId: body.pos_id };
    const cancel = nock(MP_BASE)
      .post(`/v1/orders/${id}/cancel`)
      .reply(409, { errors: [{ code: "cannot_cancel_order", message: "expired" }] });
    nock(MP_BASE)
      .get(`/v1/orders/${id}`)
      .reply(200, order({ ...f, status: "expired", payment: { status: "expired" } }));
    const past = new Date(Date.now() - 1000);
    await db.prisma.sale.update({
      where: { externalReference: ref },
      data: { nextCheckAt: past, expiresAt: past },
    });
    await orders.sweeper.runOnce();
    expect(cancel.isDone()).toBe(true);
    expect(await row(ref)).toMatchObject({ status: "expired", orderStatus: "expired" });
  });
});

describe("cancel on the Orders API", () => {
  it("POSTs /cancel with an idempotency key, reads the order again, and cancels the sale", async () => {
    const { body, id } = await createOrderSale();
    const ref = body.external_reference;
    let key: unknown;
    nock(MP_BASE, {
      reqheaders: {
        authorization: `Bearer ${TOKEN}`,
        "x-idempotency-key": (value: string) => {
          key = value;
          return true;
        },
      },
    })
      .post(`/v1/orders/${id}/cancel`)
      .reply(200, order({ id, ref, posId: body.pos_id, status: "canceled" }));
    nock(MP_BASE)
      .get(`/v1/orders/${id}`)
      .reply(200, order({ id, ref, posId: body.pos_id, status: "canceled" }));

    const res = await request(orders.app).delete(`/orders/${ref}`).set(auth).expect(200);

    expect(res.body.status).toBe("cancelled");
    expect(key).toMatch(UUID);
  });

  it("an order paid a moment before the cancel: 409 already_paid after the re-read", async () => {
    const { body, id } = await createOrderSale();
    const ref = body.external_reference;
    nock(MP_BASE)
      .post(`/v1/orders/${id}/cancel`)
      .reply(409, { errors: [{ code: "cannot_cancel_order", message: "order is processed" }] });
    nock(MP_BASE)
      .get(`/v1/orders/${id}`)
      .reply(200, processed({ id, ref, posId: body.pos_id }));

    const res = await request(orders.app).delete(`/orders/${ref}`).set(auth).expect(409);

    expect(res.body.error.code).toBe("already_paid");
    expect((await row(ref)).status).toBe("paid");
  });
});

describe("switching MP_API with sales in flight", () => {
  it("pending sales published on both APIs settle, each through its own, whichever MP_API is set", async () => {
    // one sale published before the switch (instore v2), one after (Orders API)
    const before = saleBody();
    expectPut(before.store_id, before.pos_id);
    await request(instore.app).post("/sales").set(auth).send(before).expect(201);
    const { body: after, id } = await createOrderSale(orders);
    expect((await row(before.external_reference)).mercadopagoApi).toBe("instore_v2");
    expect((await row(after.external_reference)).mercadopagoApi).toBe("orders");

    // both paid; the sweeper of a process running MP_API=orders reads each where it lives
    nock(MP_BASE)
      .get("/merchant_orders/search")
      .query({ external_reference: before.external_reference })
      .reply(200, {
        elements: [
          merchantOrder(91_000_000_001, before.external_reference, "closed", [
            { id: 77, status: "approved", transaction_amount: 5 },
          ]),
        ],
      });
    nock(MP_BASE)
      .get(`/v1/orders/${id}`)
      .reply(200, processed({ id, ref: after.external_reference, posId: after.pos_id }));
    await db.prisma.sale.updateMany({
      where: { externalReference: { in: [before.external_reference, after.external_reference] } },
      data: { nextCheckAt: new Date(Date.now() - 1000) },
    });
    await orders.sweeper.runOnce();

    expect(await row(before.external_reference)).toMatchObject({
      status: "paid",
      merchantOrderId: 91_000_000_001n,
    });
    expect(await row(after.external_reference)).toMatchObject({ status: "paid", orderId: id });
  });

  it("after switching back to instore v2, an Orders API sale is still cancelled on the Orders API", async () => {
    const { body, id } = await createOrderSale(orders);
    const ref = body.external_reference;
    nock(MP_BASE)
      .post(`/v1/orders/${id}/cancel`)
      .reply(200, order({ id, ref, posId: body.pos_id, status: "canceled" }));
    nock(MP_BASE)
      .get(`/v1/orders/${id}`)
      .reply(200, order({ id, ref, posId: body.pos_id, status: "canceled" }));
    const res = await request(instore.app).delete(`/orders/${ref}`).set(auth).expect(200);
    expect(res.body.status).toBe("cancelled");
  });

  it("an order notification reaches an Orders API sale through a process running instore v2", async () => {
    const { body, id } = await createOrderSale(orders);
    nock(MP_BASE)
      .get(`/v1/orders/${id}`)
      .reply(200, processed({ id, ref: body.external_reference, posId: body.pos_id }));
    // this harness has no signing secret (development): the notification is only a hint anyway
    await request(instore.app)
      .post(`/webhooks/mercadopago?data.id=${id}&type=order`)
      .send({ type: "order", action: "order.processed", data: { id } })
      .expect(200);
    await instore.worker.runOnce();
    expect((await row(body.external_reference)).status).toBe("paid");
  });
});

describe("refunds on the Orders API", () => {
  async function paidOrderSale() {
    const { body, id } = await createOrderSale();
    const f = { id, ref: body.external_reference, posId: body.pos_id };
    nock(MP_BASE).get(`/v1/orders/${id}`).reply(200, processed(f));
    await notify(orders, id);
    await orders.worker.runOnce();
    expect((await row(f.ref)).status).toBe("paid");
    return f;
  }

  function expectRefund(id: string, seen: { body?: unknown; key?: string; length?: string }) {
    return nock(MP_BASE, {
      reqheaders: {
        authorization: `Bearer ${TOKEN}`,
        "content-length": (value: string) => {
          seen.length = value;
          return true;
        },
        "x-idempotency-key": (value: string) => {
          seen.key = value;
          return true;
        },
      },
    })
      .post(`/v1/orders/${id}/refund`, (body) => {
        seen.body = body;
        return true;
      })
      .reply(200, {});
  }

  const PAY = "PAY01K371WBFDS4MD9JG0KCV6PRKQ";

  it("a charged-back order: nothing left to refund, and the read that says so records the dispute", async () => {
    const f = await paidOrderSale();
    const disputed = processed(f);
    disputed.transactions = {
      ...disputed.transactions,
      chargebacks: [
        {
          id: "CHB01",
          transaction_id: PAY,
          amount: "5.00",
          status: "pending",
          created_date: "2026-12-08T10:00:00.000Z",
        },
      ],
    } as typeof disputed.transactions;
    nock(MP_BASE).get(`/v1/orders/${f.id}`).reply(200, disputed);

    const res = await request(orders.app).post(`/orders/${f.ref}/refund`).set(auth).send({});
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("not_refundable");
    // no refund POST was made (nock would have refused it), and the sale shows the chargeback
    const sale = await request(orders.app)
      .get(`/orders/${f.ref}?include=events`)
      .set(auth)
      .expect(200);
    expect(sale.body).toMatchObject({
      status: "paid",
      refunded_amount: 0,
      dispute: { status: "pending", amount: 5, opened_at: "2026-12-08T10:00:00.000Z" },
    });
    expect(
      sale.body.events.filter((e: { detail?: { kind?: string } }) => e.detail?.kind === "disputed"),
    ).toHaveLength(1);
  });

  it("all of it: POST /refund without a body, then the order read again makes the sale refunded", async () => {
    const f = await paidOrderSale();
    nock(MP_BASE).get(`/v1/orders/${f.id}`).reply(200, processed(f));
    const seen: { body?: unknown; key?: string; length?: string } = {};
    expectRefund(f.id, seen);
    const refunded = order({
      ...f,
      status: "refunded",
      statusDetail: "refunded",
      payment: { status: "refunded", status_detail: "refunded" },
      refunds: [{ id: "REF1", transaction_id: PAY, amount: "5.00", status: "processed" }],
    });
    nock(MP_BASE).get(`/v1/orders/${f.id}`).reply(200, refunded);

    const res = await request(orders.app)
      .post(`/orders/${f.ref}/refund`)
      .set(auth)
      .send({})
      .expect(200);

    // no body at all: a total refund (nock shows an empty body as {})
    expect(seen.length).toBe("0");
    expect(seen.key).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
  });

  it("part of it: the payment and the amount as a string, the sale stays paid with the refunded amount", async () => {
    const f = await paidOrderSale();
    nock(MP_BASE).get(`/v1/orders/${f.id}`).reply(200, processed(f));
    const seen: { body?: unknown; key?: string } = {};
    expectRefund(f.id, seen);
    const partial = {
      ...processed(f),
      status_detail: "partially_refunded",
    };
    partial.transactions = {
      ...partial.transactions,
      refunds: [{ id: "REF2", transaction_id: PAY, amount: "2.00", status: "processed" }],
    };
    nock(MP_BASE).get(`/v1/orders/${f.id}`).reply(200, partial);

    const res = await request(orders.app)
      .post(`/orders/${f.ref}/refund`)
      .set(auth)
      .send({ amount: 2 })
      .expect(200);

    expect(seen.body).toEqual({ transactions: [{ id: PAY, amount: "2.00" }] });
    expect(res.body).toMatchObject({ status: "paid", refunded_amount: 2, paid_amount: 5 });
  });
});
