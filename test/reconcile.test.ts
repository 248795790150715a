import nock from "nock";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { nextCheckAt, nextLookAt } from "../src/jobs/sales-sweeper.ts";
import { LATE_PAYMENT_WATCH_MS } from "../src/sales/sale-lifecycle.ts";
import {
  MP_BASE,
  auth,
  buildHarness,
  useHarness,
  expectPut,
  merchantOrder,
  posPath,
  putPath,
  saleBody,
  slowReply,
} from "./helpers.ts";

const t = useHarness();

let moId = 30_000_000_000;

async function newSale() {
  const body = saleBody();
  expectPut("SUC001", body.pos_id);
  await request(t.h.app).post("/sales").set(auth).send(body).expect(201);
  return body;
}

/** Makes a sale due for the sweeper now (as if RECONCILE_AFTER_MS had passed), optionally expired. */
async function makeDue(ref: string, opts: { expired?: boolean } = {}) {
  const past = new Date(Date.now() - 1000);
  await t.db.prisma.sale.update({
    where: { externalReference: ref },
    data: { nextCheckAt: past, ...(opts.expired ? { expiresAt: past } : {}) },
  });
}

async function row(ref: string) {
  return t.db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
}

async function eventsOf(ref: string) {
  const s = await row(ref);
  return (
    await t.db.prisma.saleEvent.findMany({ where: { saleId: s.id }, orderBy: { id: "asc" } })
  ).map((e) => [e.toStatus, e.source]);
}

function search(ref: string, elements: unknown[] | null) {
  return nock(MP_BASE)
    .get("/merchant_orders/search")
    .query({ external_reference: ref })
    .reply(200, { elements, next_offset: 0, total: elements?.length ?? 0 });
}

describe("reconciler", () => {
  it("when no notification ever arrives, then the sale is paid by the reconciler", async () => {
    const { external_reference: ref } = await newSale();
    await makeDue(ref);
    const id = ++moId;
    search(ref, [
      merchantOrder(id, ref, "closed", [{ id: 1, status: "approved", transaction_amount: 5 }]),
    ]);

    await t.h.sweeper.runOnce();

    expect((await row(ref)).status).toBe("paid");
    expect(await eventsOf(ref)).toEqual([
      ["pending", "create"],
      ["paid", "reconcile"],
    ]);
  });

  it("leaves sales alone until they are due", async () => {
    const { external_reference: ref } = await newSale();
    await t.h.sweeper.runOnce(); // no interceptor: a search would fail the pending-mocks check
    expect((await row(ref)).checkAttempts).toBe(0);
  });

  it("when the sale is still unpaid, then it is checked again later with backoff", async () => {
    const { external_reference: ref } = await newSale();
    await makeDue(ref);
    search(ref, null);

    await t.h.sweeper.runOnce();

    const r = await row(ref);
    expect(r.status).toBe("pending");
    expect(r.checkAttempts).toBe(1);
    expect(r.nextCheckAt?.getTime() ?? 0).toBeGreaterThan(Date.now() + 3000);
  });

  it("when Mercado Pago fails, then the sale stays pending and is retried", async () => {
    const { external_reference: ref } = await newSale();
    await makeDue(ref);
    nock(MP_BASE)
      .get("/merchant_orders/search")
      .query(true)
      .times(3)
      .reply(429, {}, { "Retry-After": "0" });

    await t.h.sweeper.runOnce();

    const r = await row(ref);
    expect(r.status).toBe("pending");
    expect(r.nextCheckAt?.getTime() ?? 0).toBeGreaterThan(Date.now());
  });

  it("when the order expired unpaid, then it is removed from the POS and the sale expires after a final read", async () => {
    const body = await newSale();
    const ref = body.external_reference;
    await makeDue(ref, { expired: true });
    nock(MP_BASE).get(posPath(body.pos_id)).reply(200, { external_reference: ref });
    const del = nock(MP_BASE).delete(posPath(body.pos_id)).reply(204);
    const finalRead = search(ref, [merchantOrder(++moId, ref, "opened")]);

    await t.h.sweeper.runOnce();

    expect(del.isDone()).toBe(true);
    expect(finalRead.isDone()).toBe(true);
    expect((await row(ref)).status).toBe("expired");
    expect(await eventsOf(ref)).toEqual([
      ["pending", "create"],
      ["expired", "expiry"],
    ]);
  });

  it("when the customer paid at the last second, then the expiring sale is paid, not expired", async () => {
    const body = await newSale();
    const ref = body.external_reference;
    await makeDue(ref, { expired: true });
    nock(MP_BASE).get(posPath(body.pos_id)).reply(404);
    search(ref, [
      merchantOrder(++moId, ref, "closed", [{ id: 2, status: "approved", transaction_amount: 5 }]),
    ]);

    await t.h.sweeper.runOnce();

    expect((await row(ref)).status).toBe("paid");
    expect(await eventsOf(ref)).toEqual([
      ["pending", "create"],
      ["paid", "expiry"],
    ]);
  });

  it("when the final read fails, then the sale is not expired yet", async () => {
    const body = await newSale();
    const ref = body.external_reference;
    await makeDue(ref, { expired: true });
    nock(MP_BASE).get(posPath(body.pos_id)).reply(404);
    nock(MP_BASE).get("/merchant_orders/search").query(true).times(3).reply(500);

    await t.h.sweeper.runOnce();

    expect((await row(ref)).status).toBe("pending");
  });

  it("when a payment lands after the sale expired, then the sale still becomes paid", async () => {
    const body = await newSale();
    const ref = body.external_reference;
    await makeDue(ref, { expired: true });
    nock(MP_BASE).get(posPath(body.pos_id)).reply(404);
    search(ref, null);
    await t.h.sweeper.runOnce();
    expect((await row(ref)).status).toBe("expired");

    const id = ++moId;
    nock(MP_BASE)
      .get(`/merchant_orders/${id}`)
      .reply(
        200,
        merchantOrder(id, ref, "closed", [{ id: 3, status: "approved", transaction_amount: 5 }]),
      );
    await request(t.h.app)
      .post(`/webhooks/mercadopago?topic=merchant_order&id=${id}`)
      .send({})
      .expect(200);
    await t.h.worker.runOnce();

    expect((await row(ref)).status).toBe("paid");
    expect(await eventsOf(ref)).toEqual([
      ["pending", "create"],
      ["expired", "expiry"],
      ["paid", "webhook"],
    ]);
  });

  it("two sweepers on one database never check the same sale twice at once", async () => {
    const sales = await Promise.all([newSale(), newSale(), newSale()]);
    for (const s of sales) await makeDue(s.external_reference);
    for (const s of sales) search(s.external_reference, null);
    const other = buildHarness(t.db);

    await Promise.all([t.h.sweeper.runOnce(), other.sweeper.runOnce()]);

    for (const s of sales) expect((await row(s.external_reference)).checkAttempts).toBe(1);
  });
});

describe("late payments of sales that gave up", () => {
  it("when a cancelled sale is paid late and the notification is lost, then the sweeper makes it paid", async () => {
    const body = await newSale();
    const ref = body.external_reference;
    nock(MP_BASE).get(posPath(body.pos_id)).reply(200, { external_reference: ref });
    nock(MP_BASE).delete(posPath(body.pos_id)).reply(204);
    search(ref, null);
    await request(t.h.app).delete(`/orders/${ref}`).set(auth).expect(200);
    const cancelled = await row(ref);
    expect(cancelled.orderState).toBe("withdrawn");
    expect(cancelled.nextCheckAt).not.toBeNull(); // watched

    await makeDue(ref);
    search(ref, [
      merchantOrder(++moId, ref, "closed", [{ id: 7, status: "approved", transaction_amount: 5 }]),
    ]);
    await t.h.sweeper.runOnce();

    expect((await row(ref)).status).toBe("paid");
    expect((await row(ref)).nextCheckAt).toBeNull();
    expect(await eventsOf(ref)).toEqual([
      ["pending", "create"],
      ["cancelled", "staff"],
      ["paid", "reconcile"],
    ]);
  });

  it("when the watch is over, then the sale is looked at once more and then never again", async () => {
    const body = await newSale();
    const ref = body.external_reference;
    nock(MP_BASE).get(posPath(body.pos_id)).reply(404);
    search(ref, null);
    await request(t.h.app).delete(`/orders/${ref}`).set(auth).expect(200);
    const past = new Date(Date.now() - LATE_PAYMENT_WATCH_MS - 1000);
    await t.db.prisma.sale.update({
      where: { externalReference: ref },
      data: { expiresAt: past, nextCheckAt: new Date(Date.now() - 1000) },
    });
    search(ref, null);

    await t.h.sweeper.runOnce();
    await t.h.sweeper.runOnce(); // no interceptor left: a second look would fail the test

    const r = await row(ref);
    expect(r.status).toBe("cancelled");
    expect(r.nextCheckAt).toBeNull();
  });
});

describe("clean-up DELETE of a failed create", () => {
  async function failedWithDeleteOwed() {
    const body = saleBody();
    const ref = body.external_reference;
    nock(MP_BASE).put(putPath("SUC001", body.pos_id)).reply(500);
    nock(MP_BASE).get(posPath(body.pos_id)).times(3).reply(503);
    search(ref, null);
    nock(MP_BASE).delete(posPath(body.pos_id)).times(3).reply(500);
    await request(t.h.app).post("/sales").set(auth).send(body).expect(502);
    expect((await row(ref)).orderState).toBe("withdrawing");
    return body;
  }

  it("when a new sale takes the POS while the DELETE is on its way, then the new sale's order is put back", async () => {
    const old = await failedWithDeleteOwed();
    await makeDue(old.external_reference);
    search(old.external_reference, null);
    // the POS still shows the old order when looked at; the new sale's PUT lands just after
    nock(MP_BASE)
      .get(posPath(old.pos_id))
      .reply(slowReply(400, 200, { external_reference: old.external_reference }));
    const del = nock(MP_BASE).delete(posPath(old.pos_id)).reply(204);

    const sweeping = t.h.sweeper.runOnce();
    await new Promise((r) => setTimeout(r, 150));
    const next = saleBody({ pos_id: old.pos_id });
    expectPut("SUC001", old.pos_id);
    await request(t.h.app).post("/sales").set(auth).send(next).expect(201);
    await sweeping;

    expect(del.isDone()).toBe(true);
    expect((await row(old.external_reference)).orderState).toBe("withdrawn");
    // that DELETE may have taken the new order off: the sweeper looks and publishes it again
    expect((await row(next.external_reference)).orderState).toBe("publishing");
    nock(MP_BASE).get(posPath(old.pos_id)).reply(404);
    // an empty POS may mean it was paid: the merchant orders are read before the PUT
    const looked = search(next.external_reference, null);
    const again = expectPut("SUC001", old.pos_id);

    await t.h.sweeper.runOnce();

    expect(looked.isDone()).toBe(true);
    expect(again.isDone()).toBe(true);
    const r = await row(next.external_reference);
    expect(r.status).toBe("pending");
    expect(r.orderState).toBe("on_pos");
  });

  it("when the order has expired, then the DELETE is no longer owed", async () => {
    const old = await failedWithDeleteOwed();
    await makeDue(old.external_reference, { expired: true });
    search(old.external_reference, null);

    await t.h.sweeper.runOnce(); // no POS interceptors: a GET or DELETE would fail the test

    expect((await row(old.external_reference)).orderState).toBe("withdrawn");
  });
});

describe("POST /orders/:ref/refresh", () => {
  it("reads Mercado Pago now and returns the sale", async () => {
    const { external_reference: ref } = await newSale();
    search(ref, [
      merchantOrder(++moId, ref, "closed", [{ id: 4, status: "approved", transaction_amount: 5 }]),
    ]);

    const res = await request(t.h.app).post(`/orders/${ref}/refresh`).set(auth);

    expect(res.status).toBe(200);
    expect(res.body.status).toBe("paid");
    expect(await eventsOf(ref)).toEqual([
      ["pending", "create"],
      ["paid", "staff"],
    ]);
  });

  it("answers 502 when Mercado Pago is down, changing nothing", async () => {
    const { external_reference: ref } = await newSale();
    nock(MP_BASE).get("/merchant_orders/search").query(true).times(3).reply(503);
    const res = await request(t.h.app).post(`/orders/${ref}/refresh`).set(auth);
    expect(res.status).toBe(502);
    expect((await row(ref)).status).toBe("pending");
  });
});

describe("nextCheckAt", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const far = new Date("2026-01-02T00:00:00Z");
  it.each([
    [1, 5000],
    [2, 10000],
    [3, 20000],
    [4, 40000],
    [5, 60000],
    [9, 60000],
  ])("after %s checks the gap is about %s ms", (attempts, gap) => {
    const at =
      nextCheckAt({ checkAttempts: attempts, expiresAt: far }, 5000, now).getTime() - now.getTime();
    expect(at).toBeGreaterThanOrEqual(gap * 0.8);
    expect(at).toBeLessThanOrEqual(gap * 1.2);
  });
  it("paid and refunded sales owe no look; a watched sale is looked at until its watch ends", () => {
    const sale = { checkAttempts: 1, expiresAt: far, orderState: "withdrawn" as const };
    expect(nextLookAt({ ...sale, status: "paid" }, 5000, now)).toBeNull();
    expect(nextLookAt({ ...sale, status: "refunded" }, 5000, now)).toBeNull();
    const expiresAt = new Date(now.getTime() - LATE_PAYMENT_WATCH_MS + 1000);
    const failed = { ...sale, status: "failed" as const, expiresAt };
    expect(nextLookAt(failed, 5000, now)?.getTime()).toBe(now.getTime() + 1000);
    const over = new Date(now.getTime() - LATE_PAYMENT_WATCH_MS);
    expect(nextLookAt({ ...failed, expiresAt: over }, 5000, now)).toBeNull();
    // a clean-up DELETE still owed is retried whatever the watch says
    expect(
      nextLookAt({ ...failed, expiresAt: over, orderState: "withdrawing" }, 5000, now),
    ).not.toBeNull();
  });
  it("is never later than the expiry", () => {
    const soon = new Date(now.getTime() + 1000);
    expect(nextCheckAt({ checkAttempts: 5, expiresAt: soon }, 5000, now)).toEqual(soon);
  });
});
