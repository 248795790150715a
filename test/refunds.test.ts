import nock from "nock";
import { pino } from "pino";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MerchantOrderSchema } from "../src/mercadopago/mercadopago.schemas.ts";
import { observeMerchantOrder } from "../src/mercadopago/instore-v2/merchant-order.ts";
import {
  MP_BASE,
  TOKEN,
  auth,
  buildHarness,
  createTestDb,
  expectPut,
  saleBody,
  type Harness,
  type TestDb,
} from "./helpers.ts";

// Refunds through the route, against real Postgres, with Mercado Pago faked by nock: a small
// stateful fake of the merchant order, its payments and their refunds.

const STAFF_KEY = "staff-key-0123456789abcdef";
const POS_KEY = "pos-only-key-0123456789abcd";
const staff = { Authorization: `Bearer ${STAFF_KEY}` };

let db: TestDb;
let h: Harness;
beforeAll(async () => {
  db = await createTestDb();
  h = buildHarness(db, {
    staffApiKeys: [STAFF_KEY],
    posApiKeys: [POS_KEY],
    timeoutMs: 300,
    ...(process.env.DEBUG_LOG ? { logger: pino({ level: "debug" }) } : {}),
  });
});
afterAll(async () => {
  await db.drop();
});
afterEach(() => {
  nock.cleanAll();
});

let nextId = 40_000_000_000;
const id = () => ++nextId;

interface FakePayment {
  id: number;
  cents: number;
  refunds: { id: number; cents: number }[];
}

/**
 * Mercado Pago as nock: the merchant order `moId` of `ref` with `payments`, GET and POST of the
 * payments' refunds. `onPost` may delay or fail a POST (after or instead of making the refund).
 */
function fakeMercadoPago(
  ref: string,
  amounts: number[],
  opts: {
    onPost?: (n: number) => { delayMs?: number; status?: number; apply?: boolean } | undefined;
    listFails?: () => boolean;
    /** the merchant order keeps showing the payments as they were before any refund */
    staleMerchantOrder?: () => boolean;
  } = {},
) {
  const moId = id();
  const payments: FakePayment[] = amounts.map((a) => ({ id: id(), cents: a * 100, refunds: [] }));
  const posts: { paymentId: number; amount: number; key: string }[] = [];
  const refunded = (p: FakePayment) => p.refunds.reduce((s, r) => s + r.cents, 0);
  const mo = () => ({
    id: moId,
    status: "closed",
    external_reference: ref,
    order_status: payments.some((p) => refunded(p) > 0) ? "partially_reverted" : "paid",
    total_amount: 5,
    refunded_amount: payments.reduce((s, p) => s + refunded(p), 0) / 100,
    payments: payments.map((p) => ({
      id: p.id,
      transaction_amount: p.cents / 100,
      status: refunded(p) >= p.cents ? "refunded" : "approved",
      amount_refunded: refunded(p) / 100,
    })),
    last_updated: new Date().toISOString(),
  });
  const scope = nock(MP_BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } }).persist();
  const first = mo();
  scope
    .get(`/merchant_orders/${moId}`)
    .reply(() => [200, opts.staleMerchantOrder?.() ? first : mo()]);
  for (const p of payments) {
    scope.get(`/v1/payments/${p.id}/refunds`).reply(() => {
      if (opts.listFails?.()) return [500, { message: "internal" }];
      return [
        200,
        p.refunds.map((r) => ({
          id: r.id,
          payment_id: p.id,
          amount: r.cents / 100,
          status: "approved",
        })),
      ];
    });
    // nock 15 hands a reply function the fetch Request
    const onRefund = async (req: Request): Promise<[number, unknown]> => {
      const { amount } = (await req.clone().json()) as { amount: number };
      const key = req.headers.get("x-idempotency-key") ?? "";
      posts.push({ paymentId: p.id, amount, key });
      const fault = opts.onPost?.(posts.length);
      const cents = Math.round(amount * 100);
      const made = { id: id(), cents };
      if (fault?.apply !== false) {
        if (cents > p.cents - refunded(p)) return [400, { message: "invalid refund amount" }];
        p.refunds.push(made);
      }
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault?.status) return [fault.status, { message: "internal" }];
      return [201, { id: made.id, payment_id: p.id, amount, status: "approved" }];
    };
    scope
      .post(`/v1/payments/${p.id}/refunds`)
      .reply(onRefund as unknown as Parameters<nock.Interceptor["reply"]>[0]);
  }
  return { moId, payments, posts, mo, refunded };
}

/** A sale paid through the one decision path by the merchant order of `fake`. */
async function paidSale(amounts = [5], opts: Parameters<typeof fakeMercadoPago>[2] = {}) {
  const body = saleBody();
  const put = expectPut(body.store_id, body.pos_id);
  await request(h.app).post("/sales").set(auth).send(body).expect(201);
  put.done();
  const ref = body.external_reference;
  const fake = fakeMercadoPago(ref, amounts, opts);
  const [sale] = await h.sales.applyObservations(
    [observeMerchantOrder(MerchantOrderSchema.parse(fake.mo()))],
    "webhook",
    { merchantId: null },
  );
  expect(sale?.status).toBe("paid");
  return { ref, fake };
}

const refund = (ref: string, body?: object, headers: Record<string, string> = {}) => {
  const r = request(h.app).post(`/orders/${ref}/refund`).set(auth).set(headers);
  return body === undefined ? r : r.send(body);
};

async function refundRows(ref: string) {
  const sale = await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
  return db.prisma.refund.findMany({ where: { saleId: sale.id }, orderBy: { createdAt: "asc" } });
}

describe("POST /orders/:ref/refund", () => {
  it("a partial refund keeps the sale paid with refunded_amount; the rest makes it refunded", async () => {
    const { ref, fake } = await paidSale();

    const partial = await refund(ref, { amount: 2 });
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({ status: "paid", paid_amount: 5, refunded_amount: 2 });

    const rest = await refund(ref, {});
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ status: "refunded", paid_amount: 5, refunded_amount: 5 });

    expect(fake.posts.map((p) => p.amount)).toEqual([2, 3]);
    // one key per refund, derived (hex sha256), never reused
    expect(fake.posts.every((p) => /^[0-9a-f]{64}$/.test(p.key))).toBe(true);
    expect(new Set(fake.posts.map((p) => p.key)).size).toBe(2);
    const rows = await refundRows(ref);
    expect(rows.map((r) => [r.status, Number(r.amountCents), Number(r.refundedCents)])).toEqual([
      ["done", 200, 200],
      ["done", 300, 300],
    ]);
    const again = await refund(ref, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("not_refundable");
  });

  it("more than remains is 409 not_refundable and nothing is sent", async () => {
    const { ref, fake } = await paidSale();
    await refund(ref, { amount: 4 }).expect(200);
    const res = await refund(ref, { amount: 1.01 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("not_refundable");
    expect(res.body.error.details[0]).toMatchObject({ refundable_amount: 1 });
    expect(fake.posts).toHaveLength(1);
  });

  it("a sale that is not paid is 409 not_refundable", async () => {
    const body = saleBody();
    expectPut(body.store_id, body.pos_id);
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    const res = await refund(body.external_reference, { amount: 1 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("not_refundable");
    expect(await refundRows(body.external_reference)).toHaveLength(0);
  });

  it("a retry with the same Idempotency-Key answers the first result with one upstream refund", async () => {
    const { ref, fake } = await paidSale();
    const key = { "Idempotency-Key": "till-7:refund-1" };
    const first = await refund(ref, { amount: 1.5 }, key).expect(200);
    const second = await refund(ref, { amount: 1.5 }, key).expect(200);
    expect(second.body.refunded_amount).toBe(1.5);
    expect(first.body.refunded_amount).toBe(1.5);
    expect(fake.posts).toHaveLength(1);
    // the same key for another amount is a conflict, not a second refund
    const other = await refund(ref, { amount: 2 }, key);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("conflict");
    expect(fake.posts).toHaveLength(1);
  });

  it("a refund POST that times out is resolved by reading the payment's refunds, not sent again", async () => {
    // the refund is made at Mercado Pago, but its answer comes after our timeout (300 ms)
    const { ref, fake } = await paidSale([5], { onPost: () => ({ delayMs: 600 }) });
    const res = await refund(ref, { amount: 2 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "paid", refunded_amount: 2 });
    expect(fake.posts).toHaveLength(1);
    expect(fake.refunded(fake.payments[0]!)).toBe(200);
    const [row] = await refundRows(ref);
    expect(row?.status).toBe("done");
    expect((row?.parts as { mpRefundId: number }[])[0]?.mpRefundId).toBe(
      fake.payments[0]!.refunds[0]!.id,
    );
  });

  it("a refund POST that fails without landing is failed after reading the refunds, and can be asked again", async () => {
    const { ref, fake } = await paidSale([5], {
      onPost: (n) => (n === 1 ? { status: 500, apply: false } : undefined),
    });
    const res = await refund(ref, { amount: 2 });
    expect(res.status).toBe(502);
    expect(fake.refunded(fake.payments[0]!)).toBe(0);
    expect((await refundRows(ref)).map((r) => r.status)).toEqual(["failed"]);
    const again = await refund(ref, { amount: 2 }).expect(200);
    expect(again.body.refunded_amount).toBe(2);
  });

  it("the sale's history (?include=events) lists each refund with its amount and outcome", async () => {
    const { ref } = await paidSale([5], {
      onPost: (n) => (n === 1 ? { status: 500, apply: false } : undefined),
    });
    const before = await request(h.app).get(`/orders/${ref}?include=events`).set(staff);
    expect(before.body.refunds).toEqual([]);
    await refund(ref, { amount: 2 }).expect(502);
    await refund(ref, { amount: 1.5 }).expect(200);

    const res = await request(h.app).get(`/orders/${ref}?include=events`).set(staff).expect(200);
    // a partial refund changes no status: the events alone would not show it
    expect(res.body.events.map((e: { to: string }) => e.to)).toEqual(["pending", "paid"]);
    expect(res.body.refunds).toMatchObject([
      {
        status: "failed",
        amount: 2,
        refunded_amount: 0,
        failure: { code: "mercadopago_unavailable" },
      },
      { status: "done", amount: 1.5, refunded_amount: 1.5, failure: null },
    ]);
    for (const r of res.body.refunds) {
      expect(Date.parse(r.created_at)).toBeLessThanOrEqual(Date.parse(r.updated_at));
    }
    // the long poll's answer carries the same history
    const polled = await request(h.app).get(`/orders/${ref}?wait=0&include=events`).set(staff);
    expect(polled.body.refunds).toEqual(res.body.refunds);
    // and a sale without `include` stays as it was
    const plain = await request(h.app).get(`/orders/${ref}`).set(staff).expect(200);
    expect(plain.body.refunds).toBeUndefined();
  });

  it("Mercado Pago unreadable before anything is sent: 502, nothing kept, the same key works later", async () => {
    let down = true;
    const { ref, fake } = await paidSale([5], { listFails: () => down });
    const key = { "Idempotency-Key": "before-post" };
    const res = await refund(ref, { amount: 2 }, key);
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    expect(fake.posts).toHaveLength(0);
    expect(await refundRows(ref)).toHaveLength(0);
    down = false;
    const again = await refund(ref, { amount: 2 }, key).expect(200);
    expect(again.body.refunded_amount).toBe(2);
    expect(fake.posts).toHaveLength(1);
  });

  it("an unknown outcome stays requested (504, Retry-After) and the resolver settles it without a second refund", async () => {
    let listDown = false;
    const { ref, fake } = await paidSale([5], {
      onPost: () => {
        listDown = true;
        return { delayMs: 600 };
      },
      listFails: () => listDown,
    });
    const res = await refund(ref, { amount: 2 }, { "Idempotency-Key": "k-unknown" });
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    const [row] = await refundRows(ref);
    expect(row?.status).toBe("requested");
    const history = await request(h.app).get(`/orders/${ref}?include=events`).set(staff);
    expect(history.body.refunds).toMatchObject([
      { status: "requested", amount: 2, refunded_amount: 0, failure: null },
    ]);
    // the amount stays reserved meanwhile: 3.01 more does not fit
    expect((await refund(ref, { amount: 3.01 })).body.error.code).toBe("not_refundable");
    // a retry while it is unresolved says so
    const retry = await refund(ref, { amount: 2 }, { "Idempotency-Key": "k-unknown" });
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe("in_progress");

    listDown = false;
    await db.prisma.refund.update({ where: { id: row!.id }, data: { nextCheckAt: new Date() } });
    await h.refundResolver.runOnce();
    expect((await refundRows(ref))[0]?.status).toBe("done");
    expect(fake.posts).toHaveLength(1);
    const after = await refund(ref, { amount: 2 }, { "Idempotency-Key": "k-unknown" }).expect(200);
    expect(after.body).toMatchObject({ status: "paid", refunded_amount: 2 });
  });

  it("concurrent refunds never add up to more than was paid", async () => {
    const { ref, fake } = await paidSale();
    const answers = await Promise.all(Array.from({ length: 5 }, () => refund(ref, { amount: 2 })));
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 409);
    expect(ok).toHaveLength(2);
    expect(refused.every((a) => a.body.error.code === "not_refundable")).toBe(true);
    expect(refused).toHaveLength(3);
    const sent = fake.posts.reduce((s, p) => s + p.amount, 0);
    expect(sent).toBe(4);
    const row = await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
    expect(Number(row.refundedCents)).toBe(400);
    // and all of it, in parallel: only one of them gets the last 1.00
    const last = await Promise.all(Array.from({ length: 5 }, () => refund(ref, {})));
    expect(last.filter((a) => a.status === 200)).toHaveLength(1);
    expect(fake.posts.reduce((s, p) => s + p.amount, 0)).toBe(5);
  });

  it("a merchant order that does not show the refund yet still leaves refunded_amount right", async () => {
    let stale = false;
    const { ref, fake } = await paidSale([5], { staleMerchantOrder: () => stale });
    stale = true;
    const partial = await refund(ref, { amount: 2 }).expect(200);
    expect(partial.body).toMatchObject({ status: "paid", refunded_amount: 2 });
    // the remainder counts it: 3.01 more is refused without a call
    expect((await refund(ref, { amount: 3.01 })).body.error.code).toBe("not_refundable");
    const rest = await refund(ref, {}).expect(200);
    expect(rest.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
    expect(fake.posts.map((p) => p.amount)).toEqual([2, 3]);
  });

  it("a sale paid by several payments is refunded across them, in payment order", async () => {
    const { ref, fake } = await paidSale([3, 2]);
    const [a, b] = fake.payments;
    const res = await refund(ref, { amount: 4 }).expect(200);
    expect(res.body).toMatchObject({ status: "paid", refunded_amount: 4 });
    expect(fake.posts.map((p) => [p.paymentId, p.amount])).toEqual([
      [a!.id, 3],
      [b!.id, 1],
    ]);
    const rest = await refund(ref, {}).expect(200);
    expect(rest.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
    expect(fake.posts.map((p) => [p.paymentId, p.amount])).toEqual([
      [a!.id, 3],
      [b!.id, 1],
      [b!.id, 1],
    ]);
  });

  it("one of several payments refunded at Mercado Pago leaves the sale paid with refunded_amount", async () => {
    const { ref, fake } = await paidSale([3, 2]);
    fake.payments[0]!.refunds.push({ id: id(), cents: 300 });
    const n = await request(h.app)
      .post(`/webhooks/mercadopago?topic=merchant_order&id=${fake.moId}`)
      .send({});
    expect(n.status).toBe(200);
    await h.worker.runOnce();
    const sale = await request(h.app).get(`/orders/${ref}`).set(auth).expect(200);
    expect(sale.body).toMatchObject({ status: "paid", refunded_amount: 3 });
    // what remains is what Mercado Pago shows
    expect((await refund(ref, { amount: 2.01 })).body.error.code).toBe("not_refundable");
    fake.payments[1]!.refunds.push({ id: id(), cents: 200 });
    await request(h.app)
      .post(`/webhooks/mercadopago?topic=merchant_order&id=${fake.moId}`)
      .send({});
    await h.worker.runOnce();
    const after = await request(h.app).get(`/orders/${ref}`).set(auth).expect(200);
    expect(after.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
    expect(fake.posts).toHaveLength(0);
  });

  it("staff keys may refund; POS keys may not", async () => {
    const { ref, fake } = await paidSale();
    const pos = await request(h.app)
      .post(`/orders/${ref}/refund`)
      .set({ Authorization: `Bearer ${POS_KEY}` })
      .send({});
    expect(pos.status).toBe(403);
    expect(fake.posts).toHaveLength(0);
    const byStaff = await request(h.app)
      .post(`/orders/${ref}/refund`)
      .set(staff)
      .send({ amount: 1 });
    expect(byStaff.status).toBe(200);
    const anonymous = await request(h.app).post(`/orders/${ref}/refund`).send({});
    expect(anonymous.status).toBe(401);
  });

  it("a request without a body refunds the remainder; bad amounts and keys are 400", async () => {
    const { ref, fake } = await paidSale();
    for (const body of [
      { amount: 0 },
      { amount: -1 },
      { amount: 1.005 },
      { amount: "1" },
      { x: 1 },
    ]) {
      const res = await refund(ref, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const badKey = await refund(ref, {}, { "Idempotency-Key": "x".repeat(101) });
    expect(badKey.status).toBe(400);
    expect(fake.posts).toHaveLength(0);
    const whole = await request(h.app).post(`/orders/${ref}/refund`).set(auth);
    expect(whole.status).toBe(200);
    expect(whole.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
    expect((await refund("no-such-sale", {})).status).toBe(404);
  });
});
