import nock from "nock";
import request from "supertest";
import { describe, expect, it } from "vitest";
import {
  MP_BASE,
  auth,
  buildHarness,
  useHarness,
  expectPut,
  merchantOrder,
  posPath,
  saleBody,
} from "./helpers.ts";
import { createInboxRepository } from "../src/notifications/inbox.repository.ts";

const t = useHarness();

let moId = 20_000_000_000;
const nextId = () => ++moId;

async function newSale(items = [{ title: "Coffee", unit_price: 2.5, quantity: 2 }]) {
  const body = saleBody({ items });
  expectPut("SUC001", body.pos_id);
  await request(t.h.app).post("/sales").set(auth).send(body).expect(201);
  return body.external_reference;
}

function ipn(topic: string, id: number | string) {
  return request(t.h.app)
    .post(`/webhooks/mercadopago?topic=${topic}&id=${id}`)
    .send({ resource: `https://api.mercadolibre.com/merchant_orders/${id}`, topic });
}

/** Mercado Pago shows `mo` for merchant order `id`; its IPN arrives and the worker runs. */
async function notify(id: number, mo: unknown) {
  nock(MP_BASE)
    .get(`/merchant_orders/${id}`)
    .reply(200, mo as nock.Body);
  await ipn("merchant_order", id);
  await t.h.worker.runOnce();
}

async function sale(ref: string) {
  const res = await request(t.h.app).get(`/orders/${ref}`).set(auth).expect(200);
  return res.body;
}

async function events(ref: string) {
  const row = await t.db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
  return t.db.prisma.saleEvent.findMany({ where: { saleId: row.id }, orderBy: { id: "asc" } });
}

describe("notifications → merchant order → sale status", () => {
  it("when a closed merchant order covers the total, then the sale is paid", async () => {
    const ref = await newSale();
    const id = nextId();
    nock(MP_BASE)
      .get(`/merchant_orders/${id}`)
      .reply(
        200,
        merchantOrder(id, ref, "closed", [{ id: 1, status: "approved", transaction_amount: 5 }]),
      );

    const ack = await ipn("merchant_order", id);
    expect(ack.status).toBe(200);
    await t.h.worker.runOnce();

    const s = await sale(ref);
    expect(s).toMatchObject({
      status: "paid",
      merchant_order_status: "closed",
      merchant_order_id: id,
      paid_amount: 5,
      payments: [{ id: 1, status: "approved", amount: 5 }],
    });
    expect(s.paid_at).not.toBeNull();
    const ev = await events(ref);
    expect(ev.map((e) => [e.fromStatus, e.toStatus, e.source])).toEqual([
      [null, "pending", "create"],
      ["pending", "paid", "webhook"],
    ]);
    expect(ev[1]?.merchantOrderId).toBe(BigInt(id));
  });

  it("acknowledges before any Mercado Pago read (the inbox holds the work)", async () => {
    const ref = await newSale();
    const id = nextId();
    const res = await ipn("merchant_order", id);
    expect(res.status).toBe(200);
    const row = await t.db.prisma.notification.findFirst({
      where: { topic: "merchant_order", resourceId: String(id), merchantId: null },
    });
    expect(row?.processedAt).toBeNull();
    expect((await sale(ref)).status).toBe("pending");
    // nothing was read yet: no interceptor was needed; now the worker reads it
    nock(MP_BASE)
      .get(`/merchant_orders/${id}`)
      .reply(200, merchantOrder(id, ref, "opened"));
    await t.h.worker.runOnce();
    const after = await t.db.prisma.notification.findFirst({
      where: { topic: "merchant_order", resourceId: String(id), merchantId: null },
    });
    expect(after?.processedAt).not.toBeNull();
  });

  it("when the same IPN arrives 10 times at once, then one read, one transition, one event", async () => {
    const ref = await newSale();
    const id = nextId();
    const acks = await Promise.all(Array.from({ length: 10 }, () => ipn("merchant_order", id)));
    expect(acks.every((a) => a.status === 200)).toBe(true);
    const read = nock(MP_BASE)
      .get(`/merchant_orders/${id}`)
      .once()
      .reply(
        200,
        merchantOrder(id, ref, "closed", [{ id: 2, status: "approved", transaction_amount: 5 }]),
      );

    await Promise.all([t.h.worker.runOnce(), t.h.worker.runOnce(), t.h.worker.runOnce()]);

    expect(read.isDone()).toBe(true);
    expect((await sale(ref)).status).toBe("paid");
    const paidEvents = (await events(ref)).filter((e) => e.toStatus === "paid");
    expect(paidEvents).toHaveLength(1);
    const row = await t.db.prisma.notification.findFirstOrThrow({
      where: { topic: "merchant_order", resourceId: String(id), merchantId: null },
    });
    expect(row.deliveries).toBe(10);
  });

  it("when many deliveries arrive together, then each is counted once and a worked row re-arms", async () => {
    const inbox = createInboxRepository(t.db.prisma);
    const ids = [nextId(), nextId(), nextId()];
    // more at once than one statement takes, with repeats inside each batch
    const deliveries = Array.from({ length: 1200 }, (_, i) => ids[i % ids.length] as number);
    await Promise.all(deliveries.map((id) => inbox.record("payment", String(id))));
    const rows = await t.db.prisma.notification.findMany({
      where: { topic: "payment", resourceId: { in: ids.map(String) } },
      orderBy: { resourceId: "asc" },
    });
    expect(rows.map((r) => r.deliveries)).toEqual([400, 400, 400]);
    expect(rows.every((r) => r.processedAt === null)).toBe(true);

    // a worked row, notified again, is due at once when it has no quiet period
    const [first] = ids as [number];
    await t.db.prisma.notification.updateMany({
      where: { topic: "payment", resourceId: String(first) },
      data: { processedAt: new Date(), attempts: 3 },
    });
    await Promise.all([
      inbox.record("payment", String(first)),
      inbox.record("payment", String(first)),
    ]);
    const rearmed = await t.db.prisma.notification.findFirstOrThrow({
      where: { topic: "payment", resourceId: String(first), merchantId: null },
    });
    expect(rearmed).toMatchObject({ deliveries: 402, processedAt: null, attempts: 0 });
    expect(Math.abs(rearmed.dueAt.getTime() - Date.now())).toBeLessThan(1000);
  });

  it("when a worked merchant order is notified again, then it is read again after 1 s while its sale is pending or it was not found, and after 10 s once it is paid", async () => {
    const h = buildHarness(t.db, {
      mpBaseUrl: MP_BASE,
      quietMs: { pending: 1000, settled: 10_000 },
    });
    const pendingRef = await newSale();
    const paidRef = await newSale();
    const pendingId = nextId();
    const paidId = nextId();
    const unknownId = nextId();
    nock(MP_BASE).get(`/merchant_orders/${unknownId}`).reply(404, { error: "not_found" });
    nock(MP_BASE)
      .get(`/merchant_orders/${pendingId}`)
      .reply(200, merchantOrder(pendingId, pendingRef, "opened"));
    nock(MP_BASE)
      .get(`/merchant_orders/${paidId}`)
      .reply(
        200,
        merchantOrder(paidId, paidRef, "closed", [
          { id: 13, status: "approved", transaction_amount: 5 },
        ]),
      );
    await ipn("merchant_order", pendingId).expect(200);
    await ipn("merchant_order", paidId).expect(200);
    await ipn("merchant_order", unknownId).expect(200);
    await h.worker.runOnce();
    expect((await sale(paidRef)).status).toBe("paid");

    const before = Date.now();
    await ipn("merchant_order", pendingId).expect(200);
    await ipn("merchant_order", paidId).expect(200);
    await ipn("merchant_order", unknownId).expect(200);
    const row = (id: number) =>
      t.db.prisma.notification.findFirstOrThrow({
        where: { topic: "merchant_order", resourceId: String(id), merchantId: null },
      });
    const pendingRow = await row(pendingId);
    const paidRow = await row(paidId);
    expect(pendingRow.processedAt).toBeNull();
    expect(paidRow.processedAt).toBeNull();
    expect(pendingRow.dueAt.getTime() - before).toBeGreaterThan(500);
    expect(pendingRow.dueAt.getTime() - before).toBeLessThanOrEqual(1000);
    expect(paidRow.dueAt.getTime() - before).toBeGreaterThan(9000);
    expect(paidRow.dueAt.getTime() - before).toBeLessThanOrEqual(10_000);
    const unknownRow = await row(unknownId);
    expect(unknownRow.dueAt.getTime() - before).toBeGreaterThan(500);
    expect(unknownRow.dueAt.getTime() - before).toBeLessThanOrEqual(1000);
    // and they queue in that order: pending sale, nothing found, settled sale
    expect([pendingRow.priority, unknownRow.priority, paidRow.priority]).toEqual([0, 1, 2]);
    // not due yet: the worker reads nothing (no interceptor is left to answer)
    await h.worker.runOnce();
    expect((await row(pendingId)).attempts).toBe(0);
    expect((await row(paidId)).attempts).toBe(0);
  });

  it("when the same paid merchant order is applied concurrently, then exactly one transition", async () => {
    const ref = await newSale();
    const mo = merchantOrder(nextId(), ref, "closed", [
      { id: 3, status: "approved", transaction_amount: 5 },
    ]);
    const parsed = (
      await import("../src/mercadopago/mercadopago.schemas.ts")
    ).MerchantOrderSchema.parse(mo);
    const { observeMerchantOrder } =
      await import("../src/mercadopago/instore-v2/merchant-order.ts");
    await Promise.all(
      Array.from({ length: 10 }, () =>
        t.h.sales.applyObservations([observeMerchantOrder(parsed)], "webhook", {
          merchantId: null,
        }),
      ),
    );
    expect((await events(ref)).filter((e) => e.toStatus === "paid")).toHaveLength(1);
  });

  it("when 'opened' arrives after 'closed', then the sale stays paid", async () => {
    const ref = await newSale();
    const id = nextId();
    await notify(
      id,
      merchantOrder(id, ref, "closed", [{ id: 4, status: "approved", transaction_amount: 5 }]),
    );

    await notify(id, merchantOrder(id, ref, "opened"));

    const s = await sale(ref);
    expect(s.status).toBe("paid");
    expect(s.merchant_order_status).toBe("closed");
    expect(s.paid_amount).toBe(5);
  });

  it("when approved payments cover only part of the total, then the sale stays pending", async () => {
    const ref = await newSale();
    const id = nextId();
    // even a (misreported) closed status does not make 4.99 of 5.00 paid
    await notify(
      id,
      merchantOrder(id, ref, "closed", [{ id: 5, status: "approved", transaction_amount: 4.99 }]),
    );

    const s = await sale(ref);
    expect(s.status).toBe("pending");
    expect(s.paid_amount).toBe(4.99);
    expect(s.merchant_order_status).toBe("closed");
  });

  it("when a payment is rejected and then approved, then the sale ends paid", async () => {
    const ref = await newSale();
    const id = nextId();
    await notify(
      id,
      merchantOrder(id, ref, "opened", [{ id: 6, status: "rejected", transaction_amount: 5 }]),
    );
    expect((await sale(ref)).status).toBe("pending");

    await notify(
      id,
      merchantOrder(id, ref, "closed", [
        { id: 6, status: "rejected", transaction_amount: 5 },
        { id: 7, status: "approved", transaction_amount: 5 },
      ]),
    );
    const s = await sale(ref);
    expect(s.status).toBe("paid");
    // each with its details (none in these merchant orders: every one null)
    expect(s.payments).toMatchObject([
      { id: 6, status: "rejected", amount: 5, method: null, fee_amount: null },
      { id: 7, status: "approved", amount: 5, method: null, refunded_amount: 0 },
    ]);
  });

  it("when two merchant orders exist for one reference, then the closed one pays the sale", async () => {
    const ref = await newSale();
    const first = nextId();
    const second = nextId();
    nock(MP_BASE)
      .get(`/merchant_orders/${first}`)
      .reply(200, merchantOrder(first, ref, "opened"));
    nock(MP_BASE)
      .get(`/merchant_orders/${second}`)
      .reply(
        200,
        merchantOrder(second, ref, "closed", [
          { id: 8, status: "approved", transaction_amount: 5 },
        ]),
      );
    await ipn("merchant_order", first);
    await ipn("merchant_order", second);
    await t.h.worker.runOnce();

    const s = await sale(ref);
    expect(s.status).toBe("paid");
    expect(s.merchant_order_id).toBe(second);
    // a later notification of the first (still opened) order changes nothing
    await notify(first, merchantOrder(first, ref, "opened"));
    expect((await sale(ref)).merchant_order_id).toBe(second);
  });

  it("when the merchant order is unknown at Mercado Pago, then the notification is done and nothing changes", async () => {
    const ref = await newSale();
    const id = nextId();
    nock(MP_BASE)
      .get(`/merchant_orders/${id}`)
      .reply(404, { error: "not_found", message: "Order not found" });
    await ipn("merchant_order", id);
    await t.h.worker.runOnce();
    expect((await sale(ref)).status).toBe("pending");
    const row = await t.db.prisma.notification.findFirstOrThrow({
      where: { topic: "merchant_order", resourceId: String(id), merchantId: null },
    });
    expect(row.processedAt).not.toBeNull();
  });

  it("when the merchant order belongs to another reference, then no sale changes", async () => {
    const ref = await newSale();
    const id = nextId();
    await notify(
      id,
      merchantOrder(id, "not-ours", "closed", [
        { id: 9, status: "approved", transaction_amount: 5 },
      ]),
    );
    expect((await sale(ref)).status).toBe("pending");
  });

  it("never requests the host in a notification's resource URL, and ignores a foreign one", async () => {
    const ref = await newSale();
    const id = nextId();
    const evil = nock("https://evil.example").get(/.*/).reply(200, {});

    await request(t.h.app)
      .post("/webhooks/mercadopago")
      .send({ resource: `https://evil.example/merchant_orders/${id}`, topic: "merchant_order" })
      .expect(200);
    await t.h.worker.runOnce();

    expect(evil.isDone()).toBe(false);
    expect(nock.pendingMocks()).toEqual(["GET https://evil.example:443//.*/"]);
    nock.cleanAll();
    expect(await t.db.prisma.notification.count({ where: { resourceId: String(id) } })).toBe(0);
    expect((await sale(ref)).status).toBe("pending");
  });

  it("when a payment notification arrives, then the payment leads to its merchant order", async () => {
    const ref = await newSale();
    const id = nextId();
    nock(MP_BASE)
      .get("/v1/payments/555")
      .reply(200, {
        id: 555,
        status: "approved",
        external_reference: ref,
        order: { id, type: "mercadopago" },
      });
    nock(MP_BASE)
      .get(`/merchant_orders/${id}`)
      .reply(
        200,
        merchantOrder(id, ref, "closed", [{ id: 555, status: "approved", transaction_amount: 5 }]),
      );

    await request(t.h.app)
      .post("/webhooks/mercadopago?data.id=555&type=payment")
      .send({ type: "payment", action: "payment.created", data: { id: "555" } })
      .expect(200);
    await t.h.worker.runOnce();

    expect((await sale(ref)).status).toBe("paid");
  });

  it("when the payment and merchant order notifications of a sale are worked together, then the merchant order is read once and the payment it lists only once the sale is paid, for its details", async () => {
    const ref = await newSale();
    const id = nextId();
    const paymentRead = nock(MP_BASE).get("/v1/payments/557").once().reply(200, {
      id: 557,
      status: "approved",
      external_reference: ref,
      order: { id },
      payment_method_id: "master",
      payment_type_id: "debit_card",
    });
    const moRead = nock(MP_BASE)
      .get(`/merchant_orders/${id}`)
      .once()
      .reply(
        200,
        merchantOrder(id, ref, "closed", [{ id: 557, status: "approved", transaction_amount: 5 }]),
      );
    // the payment's notification first: the merchant order is still read first
    await request(t.h.app)
      .post("/webhooks/mercadopago?data.id=557&type=payment")
      .send({ type: "payment", action: "payment.created", data: { id: "557" } })
      .expect(200);
    await ipn("merchant_order", id).expect(200);

    await t.h.worker.runOnce();

    expect(moRead.isDone()).toBe(true);
    // not to find the merchant order (known from the batch): once, after the move to paid
    expect(paymentRead.isDone()).toBe(true);
    nock.cleanAll();
    const paid = await sale(ref);
    expect(paid.status).toBe("paid");
    expect(paid.payments).toMatchObject([{ id: 557, method: "master", type: "debit_card" }]);
    const rows = await t.db.prisma.notification.findMany({
      where: { resourceId: { in: ["557", String(id)] } },
    });
    expect(rows.map((r) => [r.topic, r.processedAt !== null, r.lastError]).sort()).toEqual([
      ["merchant_order", true, null],
      ["payment", true, null],
    ]);
    expect((await events(ref)).filter((e) => e.toStatus === "paid")).toHaveLength(1);
  });

  it("when one notification of a batch cannot be read, then the others are applied and only it is retried", async () => {
    const paidRef = await newSale();
    const failingRef = await newSale();
    const paidId = nextId();
    const failingId = nextId();
    nock(MP_BASE)
      .get(`/merchant_orders/${paidId}`)
      .reply(
        200,
        merchantOrder(paidId, paidRef, "closed", [
          { id: 12, status: "approved", transaction_amount: 5 },
        ]),
      );
    nock(MP_BASE).get(`/merchant_orders/${failingId}`).times(3).reply(500, { error: "internal" });
    await ipn("merchant_order", paidId).expect(200);
    await ipn("merchant_order", failingId).expect(200);

    await t.h.worker.runOnce();

    expect((await sale(paidRef)).status).toBe("paid");
    expect((await sale(failingRef)).status).toBe("pending");
    const done = await t.db.prisma.notification.findFirstOrThrow({
      where: { topic: "merchant_order", resourceId: String(paidId), merchantId: null },
    });
    const retried = await t.db.prisma.notification.findFirstOrThrow({
      where: { topic: "merchant_order", resourceId: String(failingId), merchantId: null },
    });
    expect(done).toMatchObject({ lastError: null });
    expect(done.processedAt).not.toBeNull();
    expect(retried.processedAt).toBeNull();
    expect(retried.lastError).toContain("500");
  });

  it("when Mercado Pago fails while working a notification, then it is retried later, not lost", async () => {
    const ref = await newSale();
    const id = nextId();
    nock(MP_BASE).get(`/merchant_orders/${id}`).times(3).reply(500, { error: "internal" });
    await ipn("merchant_order", id);
    await t.h.worker.runOnce();

    const row = await t.db.prisma.notification.findFirstOrThrow({
      where: { topic: "merchant_order", resourceId: String(id), merchantId: null },
    });
    expect(row.processedAt).toBeNull();
    expect(row.lastError).toContain("500");
    expect(row.dueAt.getTime()).toBeGreaterThan(Date.now());

    await t.db.prisma.notification.update({ where: { id: row.id }, data: { dueAt: new Date() } });
    nock(MP_BASE)
      .get(`/merchant_orders/${id}`)
      .reply(
        200,
        merchantOrder(id, ref, "closed", [{ id: 11, status: "approved", transaction_amount: 5 }]),
      );
    await t.h.worker.runOnce();
    expect((await sale(ref)).status).toBe("paid");
  });

  it("when a paid sale's payment is refunded, then the sale is refunded", async () => {
    const ref = await newSale();
    const id = nextId();
    await notify(
      id,
      merchantOrder(id, ref, "closed", [{ id: 12, status: "approved", transaction_amount: 5 }]),
    );

    await notify(
      id,
      merchantOrder(id, ref, "closed", [{ id: 12, status: "refunded", transaction_amount: 5 }], {
        order_status: "reverted",
        refunded_amount: 5,
      }),
    );

    expect((await sale(ref)).status).toBe("refunded");
    expect((await events(ref)).map((e) => e.toStatus)).toEqual(["pending", "paid", "refunded"]);
  });

  it("ignores notifications it cannot use, and still acknowledges them", async () => {
    const before = await t.db.prisma.notification.count();
    const bodies: [string, unknown][] = [
      ["/webhooks/mercadopago?topic=chargebacks&id=abc", {}],
      ["/webhooks/mercadopago?topic=point_integration_ipn&id=1", {}],
      ["/webhooks/mercadopago?topic=merchant_order&id=abc", {}],
      ["/webhooks/mercadopago?topic=merchant_order&id=-5", {}],
      ["/webhooks/mercadopago?topic=merchant_order&id=99999999999999999999999", {}],
      [
        "/webhooks/mercadopago",
        { topic: "merchant_order", resource: "https://x/merchant_orders/" },
      ],
      ["/webhooks/mercadopago", "not json at all"],
      ["/webhooks/mercadopago", { type: "point_integration_wh", data: { id: "1" } }],
    ];
    for (const [url, body] of bodies) {
      const res = await request(t.h.app)
        .post(url)
        .send(body as object);
      expect(res.status).toBe(200);
    }
    expect(await t.db.prisma.notification.count()).toBe(before);
  });
});

describe("GET /orders/:ref", () => {
  it("answers 404 not_found for an unknown reference", async () => {
    const res = await request(t.h.app).get("/orders/does-not-exist").set(auth);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: "not_found", details: [] });
    expect(res.body.error.request_id).toBeTruthy();
  });

  it("shows the audit trail with ?include=events", async () => {
    const ref = await newSale();
    const res = await request(t.h.app).get(`/orders/${ref}?include=events`).set(auth).expect(200);
    expect(res.body.events).toEqual([
      expect.objectContaining({ from: null, to: "pending", source: "create" }),
    ]);
  });
});

describe("DELETE /orders/:ref", () => {
  it("when the sale is pending and the POS shows our order, then the order is deleted and the sale cancelled", async () => {
    const body = saleBody();
    expectPut("SUC001", body.pos_id);
    await request(t.h.app).post("/sales").set(auth).send(body).expect(201);
    const ref = body.external_reference;
    nock(MP_BASE).get(posPath(body.pos_id)).reply(200, { external_reference: ref });
    const del = nock(MP_BASE).delete(posPath(body.pos_id)).reply(204);
    nock(MP_BASE)
      .get("/merchant_orders/search")
      .query({ external_reference: ref })
      .reply(200, { elements: null, next_offset: 0, total: 0 });

    const res = await request(t.h.app).delete(`/orders/${ref}`).set(auth);

    expect(res.status).toBe(200);
    expect(res.body.status).toBe("cancelled");
    expect(res.body.cancelled_at).not.toBeNull();
    expect(del.isDone()).toBe(true);
    const again = await request(t.h.app).delete(`/orders/${ref}`).set(auth);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("cancelled");
  });

  it("when the POS shows another order, then it is not deleted", async () => {
    const body = saleBody();
    expectPut("SUC001", body.pos_id);
    await request(t.h.app).post("/sales").set(auth).send(body).expect(201);
    nock(MP_BASE).get(posPath(body.pos_id)).reply(200, { external_reference: "someone-else" });
    nock(MP_BASE)
      .get("/merchant_orders/search")
      .query(true)
      .reply(200, { elements: [], next_offset: 0, total: 0 });

    const res = await request(t.h.app).delete(`/orders/${body.external_reference}`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("cancelled");
    // no DELETE interceptor was registered: an attempt would have failed the pending-mocks check
  });

  it("when the customer paid a moment before the cancel, then 409 already_paid and the sale is paid", async () => {
    const body = saleBody();
    expectPut("SUC001", body.pos_id);
    await request(t.h.app).post("/sales").set(auth).send(body).expect(201);
    const ref = body.external_reference;
    const id = nextId();
    nock(MP_BASE)
      .get(posPath(body.pos_id))
      .reply(404, { error: "point_of_sale_in_store_order_not_found" });
    nock(MP_BASE)
      .get("/merchant_orders/search")
      .query({ external_reference: ref })
      .reply(200, {
        elements: [
          merchantOrder(id, ref, "closed", [{ id: 13, status: "approved", transaction_amount: 5 }]),
        ],
        next_offset: 0,
        total: 1,
      });

    const res = await request(t.h.app).delete(`/orders/${ref}`).set(auth);

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("already_paid");
    expect((await sale(ref)).status).toBe("paid");
    expect((await events(ref)).map((e) => [e.toStatus, e.source])).toEqual([
      ["pending", "create"],
      ["paid", "staff"],
    ]);
  });

  it("when the sale is already paid, then 409 already_paid without calling Mercado Pago", async () => {
    const ref = await newSale();
    const id = nextId();
    await notify(
      id,
      merchantOrder(id, ref, "closed", [{ id: 14, status: "approved", transaction_amount: 5 }]),
    );

    const res = await request(t.h.app).delete(`/orders/${ref}`).set(auth);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("already_paid");
  });

  it("when Mercado Pago cannot be reached, then 502 and the sale stays pending", async () => {
    const body = saleBody();
    expectPut("SUC001", body.pos_id);
    await request(t.h.app).post("/sales").set(auth).send(body).expect(201);
    nock(MP_BASE).get(posPath(body.pos_id)).times(3).reply(503);

    const res = await request(t.h.app).delete(`/orders/${body.external_reference}`).set(auth);
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    expect((await sale(body.external_reference)).status).toBe("pending");
  });

  it("answers 404 for an unknown sale", async () => {
    const res = await request(t.h.app).delete("/orders/nope-123").set(auth);
    expect(res.status).toBe(404);
  });

  it("a cancelled sale frees the POS for the next sale", async () => {
    const body = saleBody();
    expectPut("SUC001", body.pos_id);
    await request(t.h.app).post("/sales").set(auth).send(body).expect(201);
    nock(MP_BASE).get(posPath(body.pos_id)).reply(404);
    nock(MP_BASE).get("/merchant_orders/search").query(true).reply(200, { elements: null });
    await request(t.h.app).delete(`/orders/${body.external_reference}`).set(auth).expect(200);

    expectPut("SUC001", body.pos_id);
    await request(t.h.app)
      .post("/sales")
      .set(auth)
      .send(saleBody({ pos_id: body.pos_id }))
      .expect(201);
  });
});
