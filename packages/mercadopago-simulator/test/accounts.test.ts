import { describe, expect, it } from "vitest";

import { AUTH, orderBody } from "./helpers.ts";
import {
  A,
  APP_WEBHOOK,
  B,
  BR,
  IPN_URL,
  apiOrderBody,
  instorePath,
  paidInstoreSale,
  posBody,
  setup,
  storeAndPos,
} from "./accounts-helpers.ts";

// Several sellers, as Mercado Pago keeps them apart: each OAuth seller's token reads and writes
// that seller's stores, POS, orders, merchant orders and payments only, in its site's currency.

describe("sellers' accounts", () => {
  it("two sellers each make store SUC1 and POS CAJA1 without a clash, and see only their own", async () => {
    const ctx = setup();
    const [authA, authB] = [ctx.tokenOf(A), ctx.tokenOf(B)];
    const a = await storeAndPos(ctx, A, authA);
    const b = await storeAndPos(ctx, B, authB);
    expect(a.store.id).not.toBe(b.store.id);
    expect(a.pos.id).not.toBe(b.pos.id);
    expect([a.pos.user_id, b.pos.user_id]).toEqual([A, B]);
    // the same external id a second time for the same seller still clashes
    const again = await ctx.agent.post(ctx.mp("/pos")).set(authA).send(posBody);
    expect(again.status).toBe(409);

    const searchB = await ctx.agent.get(ctx.mp("/pos?external_id=CAJA1")).set(authB);
    expect(searchB.body.results.map((p: { id: number }) => p.id)).toEqual([b.pos.id]);
    expect((await ctx.agent.get(ctx.mp(`/pos/${a.pos.id}`)).set(authB)).status).toBe(404);
    const stores = await ctx.agent.get(ctx.mp(`/users/${B}/stores/search`)).set(authB);
    expect(stores.body.results.map((s: { id: string }) => s.id)).toEqual([b.store.id]);
    // a store path with another seller's id is refused
    const foreign = await ctx.agent.get(ctx.mp(`/users/${A}/stores/search`)).set(authB);
    expect(foreign.status).toBe(400);
    // the simulator's own token sees neither
    const own = await ctx.agent.get(ctx.mp("/pos?external_id=CAJA1")).set(AUTH);
    expect(own.body.results).toEqual([]);
  });

  it("seller B's token gets 404 for A's merchant order, payment and Orders API order, never the data", async () => {
    const ctx = setup();
    const [authA, authB] = [ctx.tokenOf(A), ctx.tokenOf(B)];
    await storeAndPos(ctx, A, authA);
    const sale = await paidInstoreSale(ctx, A, authA, "sale-a-1");
    const created = await ctx.agent
      .post(ctx.mp("/v1/orders"))
      .set(authA)
      .set("X-Idempotency-Key", "a-order-1")
      .send(apiOrderBody("sale-a-2"));
    expect(created.status).toBe(201);
    const orderId = created.body.id as string;

    const charged = await ctx.agent.post(`/simulator/api/payments/${sale.payment.id}/chargeback`);
    expect(charged.status).toBe(201);

    const reads = [
      `/v1/chargebacks/${charged.body.chargeback.id}`,
      `/merchant_orders/${sale.merchant_order.id}`,
      `/v1/payments/${sale.payment.id}`,
      `/v1/payments/${sale.payment.id}/refunds`,
      `/v1/orders/${orderId}`,
    ];
    for (const path of reads) {
      const asB = await ctx.agent.get(ctx.mp(path)).set(authB);
      expect(asB.status, path).toBe(404);
      expect(JSON.stringify(asB.body)).not.toContain("sale-a-");
      expect((await ctx.agent.get(ctx.mp(path)).set(authA)).status, path).toBe(200);
    }
    const search = await ctx.agent.get(
      ctx.mp("/merchant_orders/search?external_reference=sale-a-1"),
    );
    expect(search.status).toBe(401);
    const searchB = await ctx.agent
      .get(ctx.mp("/merchant_orders/search?external_reference=sale-a-1"))
      .set(authB);
    expect(searchB.body).toEqual({ elements: null, next_offset: 0, total: 0 });
    // touching them: a refund of A's payment, cancelling A's order are as of missing ones
    const refund = await ctx.agent
      .post(ctx.mp(`/v1/payments/${sale.payment.id}/refunds`))
      .set(authB)
      .set("X-Idempotency-Key", "b-refund-1")
      .send({});
    expect(refund.status).toBe(404);
    const cancel = await ctx.agent
      .post(ctx.mp(`/v1/orders/${orderId}/cancel`))
      .set(authB)
      .set("X-Idempotency-Key", "b-cancel-1");
    expect(cancel.status).toBe(404);
    expect(cancel.body.errors[0].code).toBe("order_not_found");
    // and the order is still A's, created
    const still = await ctx.agent.get(ctx.mp(`/v1/orders/${orderId}`)).set(authA);
    expect(still.body).toMatchObject({ status: "created", user_id: String(A) });
  });

  it("a refund of another seller's paid Orders API order is 400 invalid_order_owner, as documented", async () => {
    const ctx = setup();
    const [authA, authB] = [ctx.tokenOf(A), ctx.tokenOf(B)];
    const created = await ctx.agent
      .post(ctx.mp("/v1/orders"))
      .set(authA)
      .set("X-Idempotency-Key", "a-order-2")
      .send(apiOrderBody("sale-a-3"));
    ctx.sim.payOrder(created.body.id as string);
    const refund = await ctx.agent
      .post(ctx.mp(`/v1/orders/${created.body.id}/refund`))
      .set(authB)
      .set("X-Idempotency-Key", "b-refund-2");
    expect(refund.status).toBe(400);
    expect(refund.body.errors[0].code).toBe("invalid_order_owner");
    const order = await ctx.agent.get(ctx.mp(`/v1/orders/${created.body.id}`)).set(authA);
    expect(order.body.status).toBe("processed");
  });

  it("payments search with B's token never lists A's payments; A's names A as collector", async () => {
    const ctx = setup();
    const [authA, authB] = [ctx.tokenOf(A), ctx.tokenOf(B)];
    await storeAndPos(ctx, A, authA);
    await storeAndPos(ctx, B, authB);
    const saleA = await paidInstoreSale(ctx, A, authA, "sale-a-4");
    const saleB = await paidInstoreSale(ctx, B, authB, "sale-b-4");
    const orderA = await ctx.agent
      .post(ctx.mp("/v1/orders"))
      .set(authA)
      .set("X-Idempotency-Key", "a-order-3")
      .send(apiOrderBody("sale-a-5"));
    ctx.sim.payOrder(orderA.body.id as string);

    const listB = await ctx.agent.get(ctx.mp("/v1/payments/search")).set(authB);
    expect(listB.status).toBe(200);
    expect(listB.body.results.map((p: { id: number }) => p.id)).toEqual([saleB.payment.id]);
    expect(listB.body.results[0].collector_id).toBe(B);
    const byRef = await ctx.agent
      .get(ctx.mp("/v1/payments/search?external_reference=sale-a-4"))
      .set(authB);
    expect(byRef.body.paging.total).toBe(0);

    const listA = await ctx.agent.get(ctx.mp("/v1/payments/search")).set(authA);
    const refsA = listA.body.results.map(
      (p: { external_reference: string }) => p.external_reference,
    );
    expect(refsA.sort()).toEqual(["sale-a-4", "sale-a-5"]);
    expect(listA.body.results.every((p: { collector_id: number }) => p.collector_id === A)).toBe(
      true,
    );
    expect(saleA.merchant_order.collector.id).toBe(A);
    // the simulator's own token lists none of the sellers'
    const own = await ctx.agent.get(ctx.mp("/v1/payments/search")).set(AUTH);
    expect(own.body.results).toEqual([]);
  });

  it("an instore PUT with A's collector id and B's token is refused, and A's POS stays empty", async () => {
    const ctx = setup();
    const [authA, authB] = [ctx.tokenOf(A), ctx.tokenOf(B)];
    await storeAndPos(ctx, A, authA);
    const put = await ctx.agent
      .put(ctx.mp(instorePath(A)))
      .set(authB)
      .send(orderBody());
    expect(put.status).toBe(400);
    expect(put.body.error).toBe("invalid_collectorId");
    const get = await ctx.agent.get(ctx.mp(`/instore/qr/seller/collectors/${A}/pos/CAJA1/orders`));
    expect(get.status).toBe(401);
    const asA = await ctx.agent
      .get(ctx.mp(`/instore/qr/seller/collectors/${A}/pos/CAJA1/orders`))
      .set(authA);
    expect(asA.status).toBe(404);
    // nor can B delete or read A's POS order through A's collector id
    await ctx.agent
      .put(ctx.mp(instorePath(A)))
      .set(authA)
      .send(orderBody())
      .expect(204);
    const del = await ctx.agent
      .delete(ctx.mp(`/instore/qr/seller/collectors/${A}/pos/CAJA1/orders`))
      .set(authB);
    expect(del.status).toBe(400);
    const kept = await ctx.agent
      .get(ctx.mp(`/instore/qr/seller/collectors/${A}/pos/CAJA1/orders`))
      .set(authA);
    expect(kept.status).toBe(200);
  });

  it("each seller's Orders API webhook names its own user_id; its payment notifications too", async () => {
    const ctx = setup();
    const [authA, authB] = [ctx.tokenOf(A), ctx.tokenOf(B)];
    for (const [auth, ref] of [
      [authA, "wh-a"],
      [authB, "wh-b"],
    ] as const) {
      const created = await ctx.agent
        .post(ctx.mp("/v1/orders"))
        .set(auth)
        .set("X-Idempotency-Key", `key-${ref}`)
        .send(apiOrderBody(ref, "CAJA5"));
      expect(created.status).toBe(201);
      ctx.sim.payOrder(created.body.id as string);
    }
    await storeAndPos(ctx, B, authB);
    ctx.sim.notifier.setControls({ formats: ["webhooks"] });
    await paidInstoreSale(ctx, B, authB, "wh-b-instore");
    await ctx.sim.notifier.idle();

    const orderHooks = ctx.delivered
      .filter((d) => d.url.startsWith(APP_WEBHOOK))
      .map((d) => d.body as { user_id: string; data: { external_reference: string } });
    expect(orderHooks.map((h) => [h.data.external_reference, h.user_id])).toEqual([
      ["wh-a", String(A)],
      ["wh-b", String(B)],
    ]);
    const legacy = ctx.delivered
      .filter((d) => d.url.startsWith(IPN_URL))
      .map((d) => (d.body as { user_id: number }).user_id);
    expect(legacy.length).toBeGreaterThan(0);
    expect(new Set(legacy)).toEqual(new Set([B]));
  });

  it("an MLB seller's orders are in BRL, an MLA seller's in ARS", async () => {
    const ctx = setup();
    const [authBR, authA] = [ctx.tokenOf(BR), ctx.tokenOf(A)];
    const me = await ctx.agent.get(ctx.mp("/users/me")).set(authBR);
    expect(me.body).toMatchObject({ id: BR, site_id: "MLB" });
    const br = await ctx.agent
      .post(ctx.mp("/v1/orders"))
      .set(authBR)
      .set("X-Idempotency-Key", "br-1")
      .send(apiOrderBody("sale-br", "CAJA5"));
    expect(br.body).toMatchObject({ currency: "BRL", country_code: "BRA", user_id: String(BR) });
    const ar = await ctx.agent
      .post(ctx.mp("/v1/orders"))
      .set(authA)
      .set("X-Idempotency-Key", "ar-1")
      .send(apiOrderBody("sale-ar"));
    expect(ar.body).toMatchObject({ currency: "ARS", country_code: "ARG" });
    await storeAndPos(ctx, BR, authBR);
    const sale = await paidInstoreSale(ctx, BR, authBR, "sale-br-instore");
    expect(sale.payment.currency_id).toBe("BRL");
    const mo = await ctx.agent
      .get(ctx.mp(`/merchant_orders/${sale.merchant_order.id}`))
      .set(authBR);
    expect(mo.body).toMatchObject({ site_id: "MLB", collector: { id: BR } });
    // Pix is Brazil's: the MLB seller's customer may pay with it
    await ctx.agent
      .put(ctx.mp(instorePath(BR)))
      .set(authBR)
      .send(orderBody())
      .expect(204);
    const pix = await ctx.agent
      .post(`/simulator/api/pos/CAJA1/pay?user_id=${BR}`)
      .send({ method: "pix" });
    expect(pix.status).toBe(201);
  });
});
