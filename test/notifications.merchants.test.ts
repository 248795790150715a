import { createHmac, randomBytes, randomUUID } from "node:crypto";
import nock from "nock";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { COLLECTOR, TOKEN, auth, merchantOrder } from "./helpers.ts";
import {
  SECRET,
  SIGNING,
  as,
  nextId,
  paidMerchantOrder,
  usePlatformHarness,
} from "./platform-harness.ts";

// Platform mode's notifications: each is routed to its merchant (the notification_url's
// `merchant`, an Orders API webhook's user_id), read with that merchant's token, and settles only
// that merchant's sales. Mercado Pago is nock, which shows the token of every read.

const { t, merchantWithPos, saleOf, ipn, statusOf, rowsOf } = usePlatformHarness();

describe("notifications routed to their merchant (platform mode)", () => {
  it("a merchant's order names it in its notification_url; its notification is read with its token and pays its sale", async () => {
    const a = await merchantWithPos();
    const { ref, notificationUrl } = await saleOf(a);
    const url = new URL(notificationUrl);
    expect(url.searchParams.get("merchant")).toBe(a.merchant.id);
    expect(url.searchParams.get("source_news")).toBe("ipn");
    expect(url.searchParams.get("secret")).toBe(SECRET);

    const mo = nextId();
    paidMerchantOrder(a.token, mo, ref);
    await ipn(mo, `&merchant=${a.merchant.id}`);
    await t.h.worker.runOnce();

    expect(await statusOf(ref)).toBe("paid");
    const [row] = await rowsOf(String(mo));
    expect(row).toMatchObject({ merchantId: a.merchant.id, readOutcome: "paid" });
  });

  it("a merchant's order carrying another merchant's sale reference leaves that sale pending", async () => {
    const a = await merchantWithPos();
    const b = await merchantWithPos();
    const { ref } = await saleOf(a);
    // B makes an order at its own account with A's reference, pays it, and it is notified as B's
    const forged = nextId();
    as(b.token)
      .get(`/merchant_orders/${forged}`)
      .reply(
        200,
        merchantOrder(forged, ref, "closed", [
          { id: nextId(), status: "approved", transaction_amount: 5 },
        ]),
      );
    await ipn(forged, `&merchant=${b.merchant.id}`);
    await t.h.worker.runOnce();

    expect(await statusOf(ref)).toBe("pending");
    const [row] = await rowsOf(String(forged));
    expect(row).toMatchObject({ merchantId: b.merchant.id, readOutcome: "not_ours", saleId: null });
    // nor does the default merchant's token settle it
    const own = nextId();
    as(TOKEN)
      .get(`/merchant_orders/${own}`)
      .reply(
        200,
        merchantOrder(own, ref, "closed", [
          { id: nextId(), status: "approved", transaction_amount: 5 },
        ]),
      );
    await ipn(own);
    await t.h.worker.runOnce();
    expect(await statusOf(ref)).toBe("pending");
  });

  it("the same resource id told of under two merchants keeps two rows, each read with its own token", async () => {
    const a = await merchantWithPos();
    const b = await merchantWithPos();
    const mo = nextId();
    as(a.token).get(`/merchant_orders/${mo}`).reply(404, { message: "not found" });
    as(b.token).get(`/merchant_orders/${mo}`).reply(404, { message: "not found" });
    as(TOKEN).get(`/merchant_orders/${mo}`).reply(404, { message: "not found" });
    await ipn(mo, `&merchant=${a.merchant.id}`);
    await ipn(mo, `&merchant=${a.merchant.id}`);
    await ipn(mo, `&merchant=${b.merchant.id.toUpperCase()}`);
    await ipn(mo);
    await t.h.worker.runOnce();

    const rows = await rowsOf(String(mo));
    expect(rows.map((r) => [r.merchantId, r.deliveries, r.readOutcome]).sort()).toEqual(
      [
        [a.merchant.id, 2, "not_found"],
        [b.merchant.id, 1, "not_found"],
        [null, 1, "not_found"],
      ].sort(),
    );
  });

  it("Orders API webhooks go by user_id: a connected merchant's, the default merchant's, an unknown seller's", async () => {
    const a = await merchantWithPos();
    const order = () => `ORD${randomBytes(13).toString("hex").toUpperCase()}`;
    const cases: [unknown, string, string | null][] = [
      [a.userId, a.token, a.merchant.id],
      [Number(a.userId), a.token, a.merchant.id],
      [COLLECTOR, TOKEN, null],
      ["799999999", TOKEN, null],
      [undefined, TOKEN, null],
    ];
    for (const [userId, token, merchantId] of cases) {
      const id = order();
      as(token).get(`/v1/orders/${id}`).reply(404, { message: "not found" });
      const requestId = randomUUID();
      const ts = String(Date.now());
      const v1 = createHmac("sha256", SIGNING)
        .update(`id:${id};request-id:${requestId};ts:${ts};`)
        .digest("hex");
      await request(t.h.app)
        .post(`/webhooks/mercadopago?data.id=${id}&type=order`)
        .set({ "x-signature": `ts=${ts},v1=${v1}`, "x-request-id": requestId })
        .send({ action: "order.processed", type: "order", user_id: userId, data: { id } })
        .expect(200);
      await t.h.worker.runOnce();
      const [row] = await rowsOf(id);
      expect(row).toMatchObject({ merchantId, readOutcome: "not_found" });
    }
  });

  it("a merchant without a working token retries only its own rows; another's sale in the same claim is paid", async () => {
    const a = await merchantWithPos();
    const b = await merchantWithPos();
    const { ref: refB } = await saleOf(b);
    await t.repo.markDisconnected(a.merchant.id, "the seller revoked the access");
    const stuck = nextId();
    const paid = nextId();
    paidMerchantOrder(b.token, paid, refB);
    await ipn(stuck, `&merchant=${a.merchant.id}`);
    await ipn(paid, `&merchant=${b.merchant.id}`);
    const before = Date.now();
    await t.h.worker.runOnce();

    expect(await statusOf(refB)).toBe("paid");
    const [row] = await rowsOf(String(stuck));
    expect(row?.processedAt).toBeNull();
    expect(row?.attempts).toBe(1);
    expect(row?.lastError).toMatch(/disconnected/);
    expect(row?.dueAt.getTime()).toBeGreaterThan(before + 500);
  });

  it("a merchant id that names no merchant costs its row and no read; one that is no uuid costs nothing", async () => {
    const mo = nextId();
    await ipn(mo, `&merchant=${randomUUID()}`);
    await t.h.worker.runOnce();
    const [row] = await rowsOf(String(mo));
    expect(row?.processedAt).not.toBeNull();
    expect(row?.lastError).toMatch(/no merchant/);

    const other = nextId();
    await ipn(other, "&merchant=not-a-merchant");
    expect(await rowsOf(String(other))).toEqual([]);
  });
});

describe("refunds of a merchant's sale (platform mode)", () => {
  it("are planned, sent and read back at the sale's merchant's account, with its token", async () => {
    const a = await merchantWithPos();
    await merchantWithPos(); // another merchant, whose token must not be used
    const { ref } = await saleOf(a);
    const mo = nextId();
    const paymentId = nextId();
    paidMerchantOrder(a.token, mo, ref, paymentId);
    await ipn(mo, `&merchant=${a.merchant.id}`);
    await t.h.worker.runOnce();
    expect(await statusOf(ref)).toBe("paid");

    const paidMo = merchantOrder(mo, ref, "closed", [
      { id: paymentId, status: "approved", transaction_amount: 5 },
    ]);
    const seller = as(a.token);
    seller.get(`/merchant_orders/${mo}`).reply(200, paidMo);
    seller.get(`/v1/payments/${paymentId}/refunds`).reply(200, []);
    const posted: { authorization?: string } = {};
    // nock 15 hands a reply function the fetch Request
    const onRefund = (req: Request): [number, unknown] => {
      posted.authorization = req.headers.get("authorization") ?? undefined;
      return [201, { id: nextId(), payment_id: paymentId, amount: 2, status: "approved" }];
    };
    seller
      .post(`/v1/payments/${paymentId}/refunds`)
      .reply(onRefund as unknown as Parameters<nock.Interceptor["reply"]>[0]);
    seller.get(`/merchant_orders/${mo}`).reply(200, {
      ...paidMo,
      refunded_amount: 2,
      payments: [{ ...paidMo.payments[0], amount_refunded: 2 }],
    });
    const res = await request(t.h.app).post(`/orders/${ref}/refund`).set(auth).send({ amount: 2 });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "paid", refunded_amount: 2 });
    expect(posted.authorization).toBe(`Bearer ${a.token}`);
  });

  it("a merchant disconnected since its sale was paid: the refund is refused in words, nothing sent", async () => {
    const a = await merchantWithPos();
    const { ref } = await saleOf(a);
    const mo = nextId();
    paidMerchantOrder(a.token, mo, ref);
    await ipn(mo, `&merchant=${a.merchant.id}`);
    await t.h.worker.runOnce();
    await t.repo.markDisconnected(a.merchant.id, "the seller revoked the access");

    const res = await request(t.h.app).post(`/orders/${ref}/refund`).set(auth).send({ amount: 2 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("merchant_not_connected");
    const sale = await t.db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
    expect(await t.db.prisma.refund.count({ where: { saleId: sale.id } })).toBe(0);
  });
});
