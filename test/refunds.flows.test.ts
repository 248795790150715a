import { randomUUID } from "node:crypto";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MercadoPagoApi } from "../src/mercadopago/upstream.ts";
import type { FaultEndpoint } from "mercadopago-simulator";
import type { SimulatorServer } from "mercadopago-simulator";
import { auth, saleBody, type Harness, type TestDb } from "./helpers.ts";
import {
  drainInbox,
  resetSimulatorFlows,
  startSimulatorFlows,
  stopSimulatorFlows,
  type SimulatorFlows,
} from "./simulator-flows.ts";

// Refunds end to end with the built-in simulator as Mercado Pago over real HTTP both ways: the
// refund POSTs and reads, and the notifications Mercado Pago sends when money is given back, on
// each API a sale can be published on (instore v2: by payment; Orders API: by order).

const SIGNING_SECRET = "refunds-orders-signing-secret-0123456789";

interface ApiCase {
  api: MercadoPagoApi;
  /** the fault endpoint of the refund POST */
  refundFault: FaultEndpoint;
  /** the fault endpoint of the read that finds a refund whose answer was lost */
  findFault: FaultEndpoint;
  /** the path of a refund POST at Mercado Pago */
  refundPath: RegExp;
}

const APIS: ApiCase[] = [
  {
    api: "instore_v2",
    refundFault: "refund_payment",
    findFault: "list_refunds",
    refundPath: /^\/v1\/payments\/\d+\/refunds$/,
  },
  {
    api: "orders",
    refundFault: "refund_api_order",
    findFault: "get_api_order",
    refundPath: /^\/v1\/orders\/[^/]+\/refund$/,
  },
];

describe.each(APIS)("refunds on $api against the simulator", (api) => {
  const orders = api.api === "orders";
  let db: TestDb;
  let sim: SimulatorServer;
  let h: Harness;
  let flows: SimulatorFlows;

  beforeAll(async () => {
    flows = await startSimulatorFlows(api.api, SIGNING_SECRET);
    ({ db, sim, h } = flows);
  });
  afterAll(() => stopSimulatorFlows(flows));
  beforeEach(() => resetSimulatorFlows(flows));

  /** Delivers every pending notification and works the inbox until it is empty. */
  const drain = () => drainInbox(flows);

  /**
   * A sale paid at the simulator by payments of `amounts` (its total is 5); `paymentIds` are the
   * payments' ids (instore) or the order's (Orders API: one payment, the whole total).
   */
  async function paidSale(amounts: number[] = [5]) {
    const body = saleBody();
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    let paymentIds: (number | string)[];
    if (orders) {
      expect(amounts).toEqual([5]);
      paymentIds = [sim.sim.payOrder(body.pos_id).id];
    } else {
      paymentIds = amounts.map(
        (amount) => sim.sim.pay(body.pos_id, { status: "approved", amount }).payment.id,
      );
    }
    await drain();
    const sale = await request(h.app).get(`/orders/${body.external_reference}`).set(auth);
    expect(sale.body.status).toBe("paid");
    return { ref: body.external_reference, paymentIds };
  }

  const refund = (ref: string, body: object = {}) =>
    request(h.app).post(`/orders/${ref}/refund`).set(auth).send(body);

  const refundPosts = () =>
    sim.sim.requests.filter((r) => r.method === "POST" && api.refundPath.test(r.path));

  /** The amounts given back at Mercado Pago, in the order they were. */
  function refundsAtSimulator(id: number | string): number[] {
    if (typeof id === "string") {
      const refunds = sim.sim.state.getApiOrder(id).transactions.refunds ?? [];
      return refunds.map((r) => Number(r.amount));
    }
    return sim.sim.state.getPayment(id).refunds.map((r) => r.amount);
  }

  /** Mercado Pago's own status of the money: the payment's (instore) or the order's. */
  function statusAtSimulator(id: number | string): string {
    return typeof id === "string"
      ? sim.sim.state.getApiOrder(id).status
      : sim.sim.state.getPayment(id).status;
  }

  /** A refund made at Mercado Pago directly (its panel, its API), not through the service. */
  function refundAtMercadoPago(id: number | string, amount?: number) {
    if (typeof id === "number") {
      sim.sim.refund(id, amount);
      return;
    }
    const payment = sim.sim.state.getApiOrder(id).transactions.payments[0]!.id;
    const body =
      amount === undefined
        ? undefined
        : { transactions: [{ id: payment, amount: amount.toFixed(2) }] };
    sim.sim.state.refundApiOrder(id, body, randomUUID());
  }

  it("a partial refund keeps the sale paid; the rest makes it refunded", async () => {
    const { ref, paymentIds } = await paidSale();
    const partial = await refund(ref, { amount: 1.25 }).expect(200);
    expect(partial.body).toMatchObject({ status: "paid", refunded_amount: 1.25 });
    await drain(); // Mercado Pago's own notification of the refund changes nothing more
    const rest = await refund(ref).expect(200);
    expect(rest.body).toMatchObject({ status: "refunded", paid_amount: 5, refunded_amount: 5 });
    expect(refundsAtSimulator(paymentIds[0]!)).toEqual([1.25, 3.75]);
    expect(statusAtSimulator(paymentIds[0]!)).toBe("refunded");
    expect((await refund(ref)).body.error.code).toBe("not_refundable");
  });

  it("a full refund at once makes the sale refunded", async () => {
    const { ref, paymentIds } = await paidSale();
    const all = await refund(ref).expect(200);
    expect(all.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
    expect(refundsAtSimulator(paymentIds[0]!)).toEqual([5]);
    expect(refundPosts()).toHaveLength(1);
    await drain();
    const sale = await request(h.app).get(`/orders/${ref}`).set(auth);
    expect(sale.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
  });

  it("five refunds at once never give back more than was paid", async () => {
    const { ref, paymentIds } = await paidSale();
    const answers = await Promise.all(Array.from({ length: 5 }, () => refund(ref, { amount: 2 })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(3);
    const given = refundsAtSimulator(paymentIds[0]!).reduce((s, r) => s + r, 0);
    expect(given).toBe(4);
    const sale = await request(h.app).get(`/orders/${ref}`).set(auth);
    expect(sale.body).toMatchObject({ status: "paid", refunded_amount: 4 });
  });

  /** Lets the resolver take the sale's requested refunds now; returns them as they end. */
  async function resolveNow(ref: string) {
    const sale = await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
    await db.prisma.refund.updateMany({
      where: { saleId: sale.id, status: { in: ["requested", "processing"] } },
      data: { nextCheckAt: new Date() },
    });
    await h.refundResolver.runOnce();
    return db.prisma.refund.findMany({ where: { saleId: sale.id } });
  }

  it.each(["500", "hang"] as const)(
    "a refund whose answer is lost (%s after the refund) is found at Mercado Pago, not made twice",
    async (kind) => {
      const { ref, paymentIds } = await paidSale();
      sim.sim.faults.set({ endpoint: api.refundFault, kind, after: true, times: 1 });
      const res = await refund(ref, { amount: 2 });
      if (orders) {
        // the Orders API refund is found by sending it again with the same key (the resolver)
        expect(res.status).toBe(kind === "hang" ? 504 : 502);
        expect(res.body.error.code).toBe("mercadopago_unavailable");
        expect((await resolveNow(ref)).map((r) => r.status)).toEqual(["done"]);
        expect(refundPosts()).toHaveLength(2);
      } else {
        // instore v2: found in the payment's refunds within the request
        expect(res.status).toBe(200);
        expect(refundPosts()).toHaveLength(1);
      }
      const sale = await request(h.app).get(`/orders/${ref}`).set(auth);
      expect(sale.body).toMatchObject({ status: "paid", refunded_amount: 2 });
      expect(refundsAtSimulator(paymentIds[0]!)).toEqual([2]);
    },
  );

  if (orders) {
    it("a whole refund whose answer is lost, and whose notification settled the sale first, is sent again as it was and ends done", async () => {
      const { ref, paymentIds } = await paidSale();
      sim.sim.faults.set({ endpoint: api.refundFault, kind: "500", after: true, times: 1 });
      const res = await refund(ref);
      expect(res.status).toBe(502);
      // Mercado Pago's order.refunded notification arrives before the resolver's turn: the sale
      // is refunded, so the refund is no longer "all of an untouched order" by the sale's figures
      await drain();
      const settled = await request(h.app).get(`/orders/${ref}`).set(auth);
      expect(settled.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
      expect((await resolveNow(ref)).map((r) => r.status)).toEqual(["done"]);
      // the second send is the same request under the same key, so Mercado Pago accepts it
      // (another body under that key would be refused: idempotency_key_already_used)
      const posts = refundPosts();
      expect(posts).toHaveLength(2);
      expect(posts[1]?.status).toBeLessThan(300);
      expect(refundsAtSimulator(paymentIds[0]!)).toEqual([5]);
    });
  }

  it("with the refund's reads failing too, the refund stays requested and the resolver finishes it", async () => {
    const { ref, paymentIds } = await paidSale();
    sim.sim.faults.set({ endpoint: api.refundFault, kind: "500", after: true, times: 1 });
    // from the moment the refund is made, what would show it cannot be read for a while
    const stop = sim.sim.state.subscribe(() => {
      sim.sim.faults.set({ endpoint: api.findFault, kind: "500", times: 3 });
    });
    const res = await refund(ref, { amount: 2 });
    stop();
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    expect(res.headers["retry-after"]).toBeDefined();
    sim.sim.faults.clear();
    expect((await resolveNow(ref)).map((r) => r.status)).toEqual(["done"]);
    expect(refundsAtSimulator(paymentIds[0]!)).toEqual([2]);
    // instore v2 reads the payment's refunds; the Orders API sends the same refund again
    expect(refundPosts()).toHaveLength(orders ? 2 : 1);
    const sale = await request(h.app).get(`/orders/${ref}`).set(auth);
    expect(sale.body).toMatchObject({ status: "paid", refunded_amount: 2 });
  });

  // an Orders API QR order has one payment for its whole total: no sale paid in two
  if (!orders) {
    it("a sale paid by two payments is refunded across them, first payment first", async () => {
      const { ref, paymentIds } = await paidSale([3, 2]);
      const [a, b] = paymentIds;
      const res = await refund(ref, { amount: 4 }).expect(200);
      expect(res.body).toMatchObject({ status: "paid", refunded_amount: 4 });
      expect(refundsAtSimulator(a!)).toEqual([3]);
      expect(refundsAtSimulator(b!)).toEqual([1]);
      await drain();
      expect((await request(h.app).get(`/orders/${ref}`).set(auth)).body.status).toBe("paid");
      const rest = await refund(ref).expect(200);
      expect(rest.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
    });
  }

  /** The sale's refunds as its history shows them. */
  async function refundsOf(ref: string) {
    const res = await request(h.app).get(`/orders/${ref}?include=events`).set(auth).expect(200);
    return res.body.refunds as { status: string; refunded_amount: number; failure: unknown }[];
  }

  /** Lets Mercado Pago end the refunds it is processing (a read runs its clock). */
  async function letMercadoPagoFinish() {
    await new Promise((resolve) => setTimeout(resolve, 60));
    sim.sim.state.listPos();
  }

  it("a refund Mercado Pago is still processing is not money back: processing and paid, then refunded once", async () => {
    const { ref, paymentIds } = await paidSale();
    sim.sim.state.setRefunds({ mode: "async", settleMs: 30, outcome: "processed" });
    const res = await refund(ref).expect(200);
    expect(res.body).toMatchObject({ status: "paid", refunded_amount: 0 });
    expect(await refundsOf(ref)).toMatchObject([{ status: "processing", refunded_amount: 0 }]);
    // its amount stays reserved: nothing more can be refunded while it is processing
    expect((await refund(ref, { amount: 1 })).body.error.code).toBe("not_refundable");
    const csv = await request(h.app).get(`/sales`).set(auth).set("Accept", "text/csv");
    const [header, ...lines] = csv.text.replace(/^\uFEFF/, "").split("\r\n");
    const row = lines.find((line) => line.startsWith(`${ref},`));
    // paid, 0.00 refunded, 5.00 on its way back
    expect(row).toMatch(/^[^,]+,paid,/);
    const column = header!.split(",").indexOf("refund_processing_amount");
    expect(row?.split(",")[column]).toBe("5.00");

    await letMercadoPagoFinish();
    await drain(); // Mercado Pago's notification that the money went back
    await resolveNow(ref);
    const after = await request(h.app).get(`/orders/${ref}`).set(auth);
    expect(after.body).toMatchObject({ status: "refunded", paid_amount: 5, refunded_amount: 5 });
    expect(await refundsOf(ref)).toMatchObject([{ status: "done", refunded_amount: 5 }]);
    expect(refundsAtSimulator(paymentIds[0]!)).toEqual([5]);
    expect(refundPosts()).toHaveLength(1);
    const events = await db.prisma.saleEvent.findMany({
      where: { sale: { externalReference: ref }, toStatus: "refunded" },
    });
    expect(events).toHaveLength(1);
  });

  it("a refund Mercado Pago ends without money back: failed in its words, the sale stays paid and can be refunded again", async () => {
    const { ref } = await paidSale();
    sim.sim.state.setRefunds({ mode: "async", settleMs: 30, outcome: "failed" });
    await refund(ref, { amount: 2 }).expect(200);
    expect(await refundsOf(ref)).toMatchObject([{ status: "processing" }]);

    await letMercadoPagoFinish();
    await drain();
    await resolveNow(ref);
    const [failed] = await refundsOf(ref);
    expect(failed).toMatchObject({
      status: "failed",
      refunded_amount: 0,
      failure: {
        code: "mercadopago_rejected",
        message: `Mercado Pago did not make the refund: Mercado Pago ended it ${orders ? "failed" : "rejected"}`,
      },
    });
    const sale = await request(h.app).get(`/orders/${ref}`).set(auth);
    expect(sale.body).toMatchObject({ status: "paid", refunded_amount: 0 });

    // the amount is free again
    sim.sim.state.setRefunds({ mode: "sync" });
    const again = await refund(ref).expect(200);
    expect(again.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
  });

  it("refunds made at Mercado Pago directly are picked up from its notifications", async () => {
    const { ref, paymentIds } = await paidSale();
    refundAtMercadoPago(paymentIds[0]!, 1.5);
    await drain();
    const partial = await request(h.app).get(`/orders/${ref}`).set(auth);
    expect(partial.body).toMatchObject({ status: "paid", refunded_amount: 1.5 });
    // what remains here is what remains there
    expect((await refund(ref, { amount: 3.51 })).body.error.code).toBe("not_refundable");
    refundAtMercadoPago(paymentIds[0]!);
    await drain();
    const all = await request(h.app).get(`/orders/${ref}`).set(auth);
    expect(all.body).toMatchObject({ status: "refunded", refunded_amount: 5 });
    expect(refundPosts()).toHaveLength(0);
  });
});
