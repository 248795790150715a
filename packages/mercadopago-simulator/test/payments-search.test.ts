import express from "express";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";

import type { Simulator } from "../src/simulator.ts";
import { AUTH, fakeClock, orderBody, orderPath, testSimulator } from "./helpers.ts";

// GET /v1/payments/search: Mercado Pago's paging (offset, limit, paging.total), date range on
// date_created, sort and criteria, the store/POS/reference filters, its documented errors, and
// the ledger faults that make a reconciliation see a payment otherwise than it is.

const sims: Simulator[] = [];
afterEach(() => {
  while (sims.length > 0) sims.pop()?.stop();
});

async function setup(count: number) {
  const clock = fakeClock("2025-06-01T15:00:00.000Z");
  const sim = testSimulator({ now: clock.now });
  sims.push(sim);
  const app = express();
  app.use("/simulator", sim.router);
  const agent = request(app);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const pos = i % 2 === 0 ? "POS1" : "POS2";
    await agent
      .put(`/simulator${orderPath(pos)}`)
      .set(AUTH)
      .send(orderBody({ external_reference: `ref-${i}` }))
      .expect(204);
    ids.push(sim.pay(pos, { status: "approved" }).payment.id);
    clock.advance(60_000);
  }
  const search = (q: Record<string, string | number>) =>
    agent.get("/simulator/mp/v1/payments/search").set(AUTH).query(q);
  return { sim, agent, ids, search, clock };
}

const day = { begin_date: "2025-06-01T00:00:00.000Z", end_date: "2025-06-01T23:59:59.999Z" };

describe("GET /v1/payments/search", () => {
  it("pages through the day's payments with offset and limit, oldest first, each once", async () => {
    const { ids, search } = await setup(7);
    const seen: number[] = [];
    for (let offset = 0; ; offset += 3) {
      const res = await search({
        ...day,
        range: "date_created",
        sort: "date_created",
        criteria: "asc",
        offset,
        limit: 3,
      }).expect(200);
      expect(res.body.paging).toEqual({ total: 7, limit: 3, offset });
      seen.push(...(res.body.results as { id: number }[]).map((p) => p.id));
      if (res.body.results.length < 3) break;
    }
    expect(seen).toEqual(ids);
  });

  it("filters by date range, POS and reference, and sorts newest first when asked", async () => {
    const { ids, search, sim } = await setup(4);
    const first = sim.state.getPayment(ids[0]!);
    const late = await search({
      begin_date: "2025-06-01T15:01:30.000Z",
      end_date: day.end_date,
    }).expect(200);
    expect(late.body.paging.total).toBe(2);
    const desc = await search({ ...day, sort: "date_created", criteria: "desc" }).expect(200);
    expect((desc.body.results as { id: number }[]).map((p) => p.id)).toEqual([...ids].reverse());
    const pos = await search({ ...day, pos_id: first.pos_id }).expect(200);
    expect(pos.body.paging.total).toBe(2);
    const store = await search({ ...day, store_id: first.store_id }).expect(200);
    expect(store.body.paging.total).toBe(4);
    const ref = await search({ ...day, external_reference: "ref-3" }).expect(200);
    expect((ref.body.results as { id: number }[]).map((p) => p.id)).toEqual([ids[3]]);
  });

  it("answers Mercado Pago's documented errors for a bad sort, criteria, date or limit", async () => {
    const { search } = await setup(1);
    expect((await search({ ...day, sort: "amount" }).expect(400)).body.error).toBe("1003");
    expect((await search({ ...day, criteria: "up" }).expect(400)).body.error).toBe("1004");
    expect((await search({ begin_date: "yesterday" }).expect(400)).body.error).toBe("1001");
    expect((await search({ ...day, limit: 5000 }).expect(400)).body.error).toBe("1000");
  });

  it("shows a payment hidden, with another amount or charged back when the ledger faults say so", async () => {
    const { ids, search, agent } = await setup(3);
    await agent
      .post("/simulator/api/ledger-faults")
      .send({ hide: [ids[0]], chargeback: [ids[1]], amounts: { [String(ids[2])]: 99.5 } })
      .expect(200);
    const res = await search({ ...day, sort: "date_created", criteria: "asc" }).expect(200);
    const listed = res.body.results as { id: number; status: string; transaction_amount: number }[];
    expect(listed.map((p) => p.id)).toEqual([ids[1], ids[2]]);
    expect(listed[0]!.status).toBe("charged_back");
    expect(listed[1]!.transaction_amount).toBe(99.5);
    await agent.delete("/simulator/api/ledger-faults").expect(200);
    expect((await search(day).expect(200)).body.paging.total).toBe(3);
  });

  it("lists a paid Orders API order's payment by its reference id and external_reference, refunds and ledger faults included", async () => {
    const { sim, agent, ids, search, clock } = await setup(1);
    const create = (ref: string, pos: string) =>
      agent
        .post("/simulator/mp/v1/orders")
        .set(AUTH)
        .set("X-Idempotency-Key", `create-${ref}`)
        .send({
          type: "qr",
          external_reference: ref,
          description: "Venta caja 3",
          total_amount: "50.00",
          expiration_time: "PT10M",
          config: { qr: { external_pos_id: pos } },
          transactions: { payments: [{ amount: "50.00" }] },
        })
        .expect(201);
    const created = await create("ORD-REF-1", "POS3");
    // an order not paid has no payment to list
    expect((await search(day).expect(200)).body.paging.total).toBe(1);
    clock.advance(30_000);
    const paid = sim.state.payApiOrder(created.body.id as string, "approved");
    const referenceId = Number(paid.transactions.payments[0]!.reference!.id);
    await create("ORD-REF-2", "POS4");

    const res = await search({ ...day, external_reference: "ORD-REF-1" }).expect(200);
    expect(res.body.paging.total).toBe(1);
    const pos = sim.state.findPosByExternalId("POS3")!;
    expect(res.body.results[0]).toMatchObject({
      id: referenceId,
      external_reference: "ORD-REF-1",
      status: "approved",
      status_detail: "accredited",
      transaction_amount: 50,
      amount_refunded: 0,
      transaction_amount_refunded: 0,
      currency_id: sim.state.currencyId,
      date_created: res.body.results[0].date_approved,
      payment_method_id: "account_money",
      pos_id: String(pos.id),
      store_id: pos.store_id,
      order: null,
      refunds: [],
    });
    expect(Date.parse(res.body.results[0].date_approved as string)).toBe(
      Date.parse("2025-06-01T15:01:30.000Z"),
    );
    const both = await search({ ...day, sort: "date_created", criteria: "asc" }).expect(200);
    expect((both.body.results as { id: number }[]).map((p) => p.id)).toEqual([ids[0], referenceId]);
    expect((await search({ ...day, pos_id: String(pos.id) }).expect(200)).body.paging.total).toBe(
      1,
    );

    // refunded in full at Mercado Pago: listed refunded, with the amount given back
    await agent
      .post(`/simulator/mp/v1/orders/${created.body.id as string}/refund`)
      .set(AUTH)
      .set("X-Idempotency-Key", "refund-1")
      .expect(201);
    const refunded = (await search({ ...day, external_reference: "ORD-REF-1" }).expect(200)).body
      .results[0];
    expect(refunded).toMatchObject({
      id: referenceId,
      status: "refunded",
      amount_refunded: 50,
      transaction_amount_refunded: 50,
      refunds: [{ payment_id: referenceId, amount: 50, status: "approved" }],
    });

    // the ledger faults apply to it as to any payment
    await agent
      .post("/simulator/api/ledger-faults")
      .send({ hide: [ids[0]], chargeback: [referenceId] })
      .expect(200);
    const faulty = await search(day).expect(200);
    expect(
      (faulty.body.results as { id: number; status: string }[]).map((p) => [p.id, p.status]),
    ).toEqual([[referenceId, "charged_back"]]);
  });
});
