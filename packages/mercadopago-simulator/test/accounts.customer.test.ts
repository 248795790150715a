import { describe, expect, it } from "vitest";

import { AUTH, COLLECTOR, orderBody } from "./helpers.ts";
import { A, B, BR, apiOrderBody, instorePath, setup, storeAndPos } from "./accounts-helpers.ts";

// The customer's side (the page's helpers, /api/*) with several sellers: a POS by its external
// id, which two sellers may share, with an optional user_id; resources by id in any account.

describe("the customer's side with several sellers", () => {
  it("a POS two sellers share needs user_id; the simulator's own POS and a lone seller's do not", async () => {
    const ctx = setup();
    const [authA, authB] = [ctx.tokenOf(A), ctx.tokenOf(B)];
    await storeAndPos(ctx, A, authA);
    await storeAndPos(ctx, B, authB);
    await ctx.agent
      .put(ctx.mp(instorePath(A)))
      .set(authA)
      .send(orderBody({ external_reference: "ra" }));
    await ctx.agent
      .put(ctx.mp(instorePath(B)))
      .set(authB)
      .send(orderBody({ external_reference: "rb" }));

    const ambiguous = await ctx.agent.post("/simulator/api/pos/CAJA1/pay").send({});
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.message).toMatch(/user_id/);
    const paidB = await ctx.agent.post(`/simulator/api/pos/CAJA1/pay?user_id=${B}`).send({});
    expect(paidB.body.merchant_order).toMatchObject({ external_reference: "rb", status: "closed" });
    const scanA = await ctx.agent.post("/simulator/api/pos/CAJA1/scan").send({ user_id: A });
    expect(scanA.body).toMatchObject({ external_reference: "ra", collector: { id: A } });
    expect((await ctx.agent.post("/simulator/api/pos/CAJA1/pay?user_id=x").send({})).status).toBe(
      400,
    );
    expect((await ctx.agent.post("/simulator/api/pos/CAJA1/pay?user_id=123").send({})).status).toBe(
      404,
    );

    // a POS only seller A has is found without naming A
    await ctx.agent
      .put(ctx.mp(instorePath(A, "CAJA9")))
      .set(authA)
      .send(orderBody({ external_reference: "ra9" }))
      .expect(204);
    const lone = await ctx.agent.post("/simulator/api/pos/CAJA9/pay").send({});
    expect(lone.body.merchant_order).toMatchObject({ external_reference: "ra9" });
    // the simulator's own account wins when it has the POS too
    await ctx.agent
      .put(ctx.mp(`/instore/qr/seller/collectors/${COLLECTOR}/stores/SUC1/pos/CAJA1/orders`))
      .set(AUTH)
      .send(orderBody({ external_reference: "own" }))
      .expect(204);
    const own = await ctx.agent.post("/simulator/api/pos/CAJA1/pay").send({});
    expect(own.body.merchant_order).toMatchObject({ external_reference: "own" });
    expect(ctx.sim.truth("ra9")).toMatchObject({ paid: true });
  });

  it("/api/pos lists every seller's POS, each QR naming its seller; ids are found in any account", async () => {
    const ctx = setup();
    const authA = ctx.tokenOf(A);
    await storeAndPos(ctx, A, authA);
    await ctx.agent
      .put(ctx.mp(`/instore/qr/seller/collectors/${COLLECTOR}/stores/SUC1/pos/CAJA1/orders`))
      .set(AUTH)
      .send(orderBody())
      .expect(204);
    const list = await ctx.agent.get("/simulator/api/pos");
    expect(list.body.user_id).toBe(COLLECTOR);
    const entries = list.body.pos as { pos: { user_id: number; qr: { image: string } } }[];
    expect(entries.map((e) => e.pos.user_id)).toEqual([COLLECTOR, A]);
    expect(entries[0]!.pos.qr.image).toMatch(/\/qr\/CAJA1\.png$/);
    expect(entries[1]!.pos.qr.image).toMatch(new RegExp(`/qr/CAJA1\\.png\\?user_id=${A}$`));
    const png = await ctx.agent.get(`/simulator/qr/CAJA1.png?user_id=${A}`);
    expect(png.status).toBe(200);
    expect(png.headers["content-type"]).toBe("image/png");

    // by id: a seller's merchant order, payment and order are found without naming the seller
    await ctx.agent
      .put(ctx.mp(instorePath(A)))
      .set(authA)
      .send(orderBody())
      .expect(204);
    const mo = await ctx.agent.post(`/simulator/api/pos/CAJA1/scan?user_id=${A}`).send({});
    const paid = await ctx.agent
      .post(`/simulator/api/merchant_orders/${mo.body.id}/pay`)
      .send({ status: "in_process" });
    expect(paid.status).toBe(201);
    const settled = await ctx.agent
      .post(`/simulator/api/payments/${paid.body.payment.id}/settle`)
      .send({ status: "approved" });
    expect(settled.body.payment).toMatchObject({ status: "approved", collector_id: A });
    const created = await ctx.agent
      .post(ctx.mp("/v1/orders"))
      .set(authA)
      .set("X-Idempotency-Key", "list-1")
      .send(apiOrderBody("list-order", "CAJA2"));
    const byId = await ctx.agent.post(`/simulator/api/orders/${created.body.id}/pay`).send({});
    expect(byId.body.order).toMatchObject({ status: "processed", user_id: String(A) });
    const found = await ctx.agent.get("/simulator/api/orders?external_reference=list-order");
    expect(found.body.orders).toHaveLength(1);
    const state = await ctx.agent.get("/simulator/api/state");
    expect(state.body.collector_id).toBe(COLLECTOR);
    expect(state.body.sellers.map((s: { collector_id: number }) => s.collector_id)).toEqual([
      A,
      B,
      BR,
    ]);
    await ctx.agent.post("/simulator/api/reset").expect(204);
    const afterReset = await ctx.agent.get(ctx.mp("/pos?external_id=CAJA1")).set(authA);
    expect(afterReset.body.results).toEqual([]);
  });
});
