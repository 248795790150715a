import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import axios from "axios";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { instoreOrderBody } from "../src/mercadopago/instore-v2/instore.upstream.ts";
import { createIdempotencyKey, orderBody } from "../src/mercadopago/orders/order.ts";
import type { MercadoPagoApi } from "../src/mercadopago/upstream.ts";
import type { FaultEndpoint } from "mercadopago-simulator";
import type { SimulatorServer } from "mercadopago-simulator";
import { COLLECTOR, TOKEN, auth, saleBody, type Harness, type TestDb } from "./helpers.ts";
import {
  drainInbox,
  resetSimulatorFlows,
  startSimulatorFlows,
  stopSimulatorFlows,
  type SimulatorFlows,
} from "./simulator-flows.ts";

// Whole flows through the service with the built-in simulator as Mercado Pago: real HTTP both
// ways (the simulator delivers notifications to the service's webhook on a loopback port), on
// each API a sale can be published on (MP_API). A flow only one API has stays with that API.

const SIGNING_SECRET = "flows-orders-signing-secret-0123456789";

/** What differs between the two APIs as these flows see it. */
interface ApiCase {
  api: MercadoPagoApi;
  /** the call that puts a sale's order up for payment */
  publish: string;
  /** the calls that take an unpaid order down and read it a last time */
  withdraw: string[];
  /** the fault endpoints of the reads a notification leads to */
  reads: FaultEndpoint[];
  /** the fault endpoint of the publication */
  publishFault: FaultEndpoint;
  /** the fault endpoint of a cancel's first call */
  cancelFault: FaultEndpoint;
}

const APIS: ApiCase[] = [
  {
    api: "instore_v2",
    publish: "PUT put_order",
    withdraw: ["GET pos_order", "DELETE pos_order", "GET search"],
    reads: ["get_merchant_order", "get_payment"],
    publishFault: "put_order",
    cancelFault: "get_order",
  },
  {
    api: "orders",
    publish: "POST create_order",
    withdraw: ["POST cancel_order", "GET order"],
    reads: ["get_api_order"],
    publishFault: "create_api_order",
    cancelFault: "cancel_api_order",
  },
];

describe.each(APIS)("flows on $api with the simulator as Mercado Pago", (api) => {
  const orders = api.api === "orders";

  let db: TestDb;
  let sim: SimulatorServer;
  let h: Harness;
  let server: Server;
  let flows: SimulatorFlows;

  beforeAll(async () => {
    flows = await startSimulatorFlows(api.api, SIGNING_SECRET);
    ({ db, sim, h, server } = flows);
  });
  afterAll(() => stopSimulatorFlows(flows));
  beforeEach(() => resetSimulatorFlows(flows));

  /** The customer pays (or fails to pay) the order on the POS, whichever API put it there. */
  function pay(posId: string, status: "approved" | "rejected" = "approved") {
    if (orders) sim.sim.payOrder(posId, status);
    else sim.sim.pay(posId, { status });
  }

  /** The customer finds no order to pay on the POS. */
  function nothingToPay(posId: string) {
    if (orders) expect(() => sim.sim.payOrder(posId)).toThrow();
    else expect(() => sim.sim.scan(posId)).toThrow();
  }

  /** Delivers every pending notification and works the inbox until it is empty. */
  const drain = () => drainInbox(flows);

  async function createSale(overrides: Record<string, unknown> = {}) {
    const body = saleBody(overrides);
    const res = await request(h.app).post("/sales").set(auth).send(body);
    return { body, res };
  }

  async function status(ref: string) {
    return (await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } })).status;
  }

  async function transitions(ref: string) {
    const sale = await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
    const events = await db.prisma.saleEvent.findMany({
      where: { saleId: sale.id },
      orderBy: { id: "asc" },
    });
    return events.map((e) => `${e.fromStatus ?? "∅"}→${e.toStatus}:${e.source}`);
  }

  /** Mercado Pago calls made since the test began, as "METHOD kind". */
  function calls() {
    return sim.sim.requests.map((r) => {
      const kind = /^\/v1\/orders\/?$/.test(r.path)
        ? "create_order"
        : /^\/v1\/orders\/[^/]+\/cancel$/.test(r.path)
          ? "cancel_order"
          : /^\/v1\/orders\/[^/]+\/refund$/.test(r.path)
            ? "refund_order"
            : r.path.startsWith("/v1/orders/")
              ? "order"
              : r.path.startsWith("/merchant_orders/search")
                ? "search"
                : r.path.startsWith("/merchant_orders")
                  ? "merchant_order"
                  : r.path.startsWith("/v1/payments")
                    ? "payment"
                    : r.path.includes("/stores/")
                      ? "put_order"
                      : "pos_order";
      return `${r.method} ${kind}`;
    });
  }

  /** Calls that are reads a notification or the reconciler makes. */
  const isRead = (c: string) =>
    c === "GET merchant_order" || c === "GET payment" || c === "GET order";

  function makeDue(ref: string, expired = false) {
    const past = new Date(Date.now() - 1000);
    return db.prisma.sale.update({
      where: { externalReference: ref },
      data: { nextCheckAt: past, ...(expired ? { expiresAt: past } : {}) },
    });
  }

  /** The external_reference of the order the simulator's POS shows, or null when it has none. */
  async function orderOnPos(posId: string): Promise<string | null> {
    const res = await request(sim.url).get("/api/pos");
    const entry = res.body.pos.find(
      (p: { pos: { external_id: string } }) => p.pos.external_id === posId,
    );
    return entry?.order?.external_reference ?? null;
  }

  async function row(ref: string) {
    return db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
  }

  async function sale(ref: string) {
    return (await request(h.app).get(`/orders/${ref}`).set(auth)).body;
  }

  /** A sale stored as POST /sales stores it, whose process died before the publication. */
  async function storedNotPublished(ttlMs = 600_000) {
    const body = saleBody();
    const now = Date.now();
    const created = await h.repo.create({
      externalReference: body.external_reference,
      storeId: body.store_id,
      posId: body.pos_id,
      title: `Sale ${body.external_reference}`,
      description: `Sale ${body.external_reference}`,
      items: [{ title: "Coffee", unitPriceCents: 250, quantity: 2, unitMeasure: "unit" }],
      taxes: null,
      totalCents: 500,
      requestHash: "0".repeat(64),
      expiresAt: new Date(now + ttlMs),
      // the publication lease of the dead process ran out
      nextCheckAt: new Date(now - 1000),
      mercadopagoApi: api.api,
    });
    expect(created.kind).toBe("created");
    return body;
  }

  it("happy path: publish, pay, notifications → paid, one transition", async () => {
    const { body, res } = await createSale();
    expect(res.status).toBe(201);
    expect(res.body.mercadopago_api).toBe(api.api);
    pay(body.pos_id);
    await drain();

    expect(await status(body.external_reference)).toBe("paid");
    expect(await transitions(body.external_reference)).toEqual([
      "∅→pending:create",
      "pending→paid:webhook",
    ]);
    expect(sim.sim.truth(body.external_reference).paid).toBe(true);
    expect(calls()[0]).toBe(api.publish);
  });

  // merchant orders are instore v2's: the Orders API has one order per sale, no scan
  if (!orders) {
    it("scan twice then pay: two merchant orders, the paid one wins", async () => {
      const { body } = await createSale();
      sim.sim.scan(body.pos_id);
      sim.sim.scan(body.pos_id);
      await drain();
      expect(await status(body.external_reference)).toBe("pending");
      pay(body.pos_id);
      await drain();

      expect(await status(body.external_reference)).toBe("paid");
      expect(sim.sim.truth(body.external_reference).merchant_order_ids).toHaveLength(2);
      expect(
        (await transitions(body.external_reference)).filter((t) => t.includes("→paid")),
      ).toHaveLength(1);
    });
  }

  it("reject then approve on the same order → paid", async () => {
    const { body } = await createSale();
    pay(body.pos_id, "rejected");
    await drain();
    expect(await status(body.external_reference)).toBe("pending");
    pay(body.pos_id);
    await drain();
    expect(await status(body.external_reference)).toBe("paid");
  });

  // an Orders API QR order is paid in full (its amount is fixed): no partial payment there
  if (!orders) {
    it("a partial payment keeps the sale pending with the amount shown", async () => {
      const { body } = await createSale();
      sim.sim.pay(body.pos_id, { status: "approved", amount: 2 });
      await drain();
      const res = await sale(body.external_reference);
      expect(res.status).toBe("pending");
      expect(res.paid_amount).toBe(2);
    });
  }

  it(
    orders
      ? "duplicated signed order webhooks (×5) make one transition"
      : "duplicated notifications (×5, both formats) make one transition",
    async () => {
      sim.sim.notifier.setControls({
        duplicate: 5,
        ...(orders ? {} : { formats: ["ipn", "webhooks"] }),
      });
      const { body } = await createSale();
      pay(body.pos_id);
      await drain();
      expect(await status(body.external_reference)).toBe("paid");
      expect(
        (await transitions(body.external_reference)).filter((t) => t.includes("→paid")),
      ).toHaveLength(1);
      const reads = calls().filter(isRead).length;
      const delivered = sim.sim.notifier.log().filter((d) => d.status === 200).length;
      // instore sends each change in two formats for two topics; the Orders API one webhook
      expect(delivered).toBeGreaterThanOrEqual(orders ? 5 : 10);
      expect(reads).toBeLessThan(delivered); // coalesced in the inbox
    },
  );

  if (orders) {
    it("delayed and reordered webhooks: 'refunded' before 'processed' ends paid with the refund", async () => {
      sim.sim.notifier.setControls({ reorder: "reverse" });
      const { body } = await createSale();
      pay(body.pos_id);
      const { order_ids: ids } = sim.sim.truth(body.external_reference);
      const order = sim.sim.state.getApiOrder(ids[0]!);
      // a partial refund made at Mercado Pago before either webhook went out
      sim.sim.state.refundApiOrder(
        order.id,
        { transactions: [{ id: order.transactions.payments[0]!.id, amount: "1.50" }] },
        randomUUID(),
      );
      expect(sim.sim.notifier.release()).toBe(2);
      await drain();
      expect(await sale(body.external_reference)).toMatchObject({
        status: "paid",
        refunded_amount: 1.5,
      });
      expect(
        (await transitions(body.external_reference)).filter((t) => t.includes("→paid")),
      ).toHaveLength(1);
    });
  } else {
    it("delayed and reordered notifications: 'opened' after 'closed' stays paid", async () => {
      sim.sim.notifier.setControls({ reorder: "reverse" });
      const { body } = await createSale();
      sim.sim.scan(body.pos_id);
      pay(body.pos_id);
      expect(sim.sim.notifier.release()).toBeGreaterThan(1);
      await drain();
      expect(await status(body.external_reference)).toBe("paid");
    });
  }

  it("dropped notifications: the reconciler finds the payment", async () => {
    sim.sim.notifier.setControls({ drop: true });
    const { body } = await createSale();
    pay(body.pos_id);
    await drain();
    expect(await status(body.external_reference)).toBe("pending");

    sim.sim.requests.length = 0;
    await makeDue(body.external_reference);
    await h.sweeper.runOnce();

    expect(await status(body.external_reference)).toBe("paid");
    expect(await transitions(body.external_reference)).toEqual([
      "∅→pending:create",
      "pending→paid:reconcile",
    ]);
    // the Orders API has no search by reference: the order is read by the id stored at create
    if (orders) expect(calls()).toEqual(["GET order"]);
  });

  it("our webhook failing makes Mercado Pago retry; nothing is lost", async () => {
    // a front that fails the first 3 deliveries, then passes them on to the real webhook
    const { port } = server.address() as AddressInfo;
    let failures = 3;
    const front = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (failures-- > 0) {
        res.writeHead(500).end();
        return;
      }
      // the signature of an order webhook rides in its headers
      const signed: Record<string, string> = {};
      for (const name of ["x-signature", "x-request-id"]) {
        const value = req.headers[name];
        if (typeof value === "string") signed[name] = value;
      }
      const forwarded = await axios.post(
        `http://127.0.0.1:${port}${req.url}`,
        Buffer.concat(chunks),
        {
          headers: { "content-type": "application/json", ...signed },
          validateStatus: () => true,
        },
      );
      res.writeHead(forwarded.status).end(JSON.stringify(forwarded.data));
    }).listen(0, "127.0.0.1");
    await new Promise((r) => front.once("listening", r));
    const frontPort = (front.address() as AddressInfo).port;
    sim.sim.notifier.setControls({
      overrideUrl: `http://127.0.0.1:${frontPort}/webhooks/mercadopago`,
      formats: ["ipn"],
      // the Orders API sends one webhook per change: it needs a fourth attempt to get through
      retrySchedule: [20, 40, 60],
    });

    const { body } = await createSale();
    pay(body.pos_id);
    await drain();
    front.close();

    expect(sim.sim.notifier.log().some((d) => d.status === 500)).toBe(true);
    expect(await status(body.external_reference)).toBe("paid");
    expect(await transitions(body.external_reference)).toContain("pending→paid:webhook");
  });

  it("expiry without payment: order taken down, sale expired after a final read", async () => {
    const { body } = await createSale();
    await makeDue(body.external_reference, true);
    sim.sim.requests.length = 0;

    await h.sweeper.runOnce();

    expect(await status(body.external_reference)).toBe("expired");
    expect(calls()).toEqual(api.withdraw);
    // the POS is free at Mercado Pago too
    expect(await orderOnPos(body.pos_id)).toBeNull();
    nothingToPay(body.pos_id);
  });

  it("an order Mercado Pago expired: the sale is expired at once by its notification, and the POS takes the next sale", async () => {
    const { body } = await createSale();
    const started = Date.now();
    if (orders) sim.sim.expireOrder(body.pos_id);
    else {
      sim.sim.scan(body.pos_id); // an instore merchant order exists once the customer scanned
      sim.sim.expire(body.pos_id);
    }
    await drain();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await status(body.external_reference)).toBe("expired");
    expect(await transitions(body.external_reference)).toEqual([
      "∅→pending:create",
      "pending→expired:webhook",
    ]);
    const ev = await db.prisma.saleEvent.findFirstOrThrow({
      where: { toStatus: "expired", sale: { externalReference: body.external_reference } },
    });
    expect(ev.detail).toMatchObject({ mercadopago_status: "expired" });
    const next = await createSale({ pos_id: body.pos_id });
    expect(next.res.status).toBe(201);
  });

  it("an order Mercado Pago expired and then paid late (a payment in flight at the expiry): paid wins", async () => {
    const { body } = await createSale();
    const ref = body.external_reference;
    if (orders) sim.sim.expireOrder(body.pos_id);
    else {
      sim.sim.scan(body.pos_id);
      sim.sim.expire(body.pos_id);
    }
    await drain();
    expect(await status(ref)).toBe("expired");
    const truth = sim.sim.truth(ref);
    if (orders) sim.sim.state.payApiOrder(truth.order_ids[0]!, "approved", undefined, true);
    else sim.sim.state.pay(truth.merchant_order_ids[0]!, { status: "approved", late: true });
    await drain();
    expect(await status(ref)).toBe("paid");
    expect(await transitions(ref)).toEqual([
      "∅→pending:create",
      "pending→expired:webhook",
      "expired→paid:webhook",
    ]);
  });

  if (orders) {
    it("an order cancelled at Mercado Pago (its panel, another integration): the sale is cancelled at once", async () => {
      const { body } = await createSale();
      const [orderId] = sim.sim.truth(body.external_reference).order_ids;
      sim.sim.state.cancelApiOrder(orderId!, randomUUID());
      await drain();
      expect(await transitions(body.external_reference)).toEqual([
        "∅→pending:create",
        "pending→cancelled:webhook",
      ]);
      const next = await createSale({ pos_id: body.pos_id });
      expect(next.res.status).toBe(201);
    });
  }

  it("expiry with a last-second payment: paid, never expired", async () => {
    sim.sim.notifier.setControls({ drop: true });
    const { body } = await createSale();
    pay(body.pos_id);
    await makeDue(body.external_reference, true);

    await h.sweeper.runOnce();

    expect(await status(body.external_reference)).toBe("paid");
    expect(await transitions(body.external_reference)).toEqual([
      "∅→pending:create",
      "pending→paid:expiry",
    ]);
  });

  it("cancel while the customer pays: paid wins (409 already_paid)", async () => {
    sim.sim.notifier.setControls({ drop: true });
    const { body } = await createSale();
    pay(body.pos_id);

    const res = await request(h.app).delete(`/orders/${body.external_reference}`).set(auth);

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("already_paid");
    expect(await status(body.external_reference)).toBe("paid");
  });

  it("cancel of an unpaid sale takes its order down; the customer then finds nothing to pay", async () => {
    const { body } = await createSale();
    const res = await request(h.app).delete(`/orders/${body.external_reference}`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("cancelled");
    expect(calls()).toEqual([api.publish, ...api.withdraw]);
    nothingToPay(body.pos_id);
  });

  it("a second sale on a busy POS is refused and the first order stays on the POS", async () => {
    const { body } = await createSale();
    const second = await createSale({ pos_id: body.pos_id });
    expect(second.res.status).toBe(409);
    expect(second.res.body.error.code).toBe("pos_busy");
    expect(calls()).toEqual([api.publish]);
    pay(body.pos_id);
    await drain();
    expect(await status(body.external_reference)).toBe("paid");
  });

  it("a payment notified before the publication returned is not lost, and the POST says paid", async () => {
    // Mercado Pago takes the order but answers nothing until our timeout; meanwhile the customer
    // pays and the notification is worked
    sim.sim.faults.set({ endpoint: api.publishFault, kind: "hang", after: true, times: 1 });
    const body = saleBody();
    const posting = request(h.app)
      .post("/sales")
      .set(auth)
      .send(body)
      .then((r) => r);
    await new Promise((r) => setTimeout(r, 100));
    pay(body.pos_id);
    await drain();
    expect(await status(body.external_reference)).toBe("paid");

    const res = await posting;

    expect(res.status).toBe(201);
    expect(res.body.status).toBe("paid");
    expect(await transitions(body.external_reference)).toEqual([
      "∅→pending:create",
      "pending→paid:webhook",
    ]);
    if (orders) {
      // the create sent again with the same idempotency key: still the one order
      expect(calls().filter((c) => !isRead(c))).toEqual([api.publish, api.publish]);
      expect(sim.sim.truth(body.external_reference).order_ids).toHaveLength(1);
    } else {
      expect(calls().filter((c) => !isRead(c))).toEqual([
        "PUT put_order",
        "GET pos_order",
        "GET search",
      ]);
    }
  });

  it("a publication that timed out but did land: the sale stays pending and can be paid", async () => {
    sim.sim.faults.set({ endpoint: api.publishFault, kind: "hang", after: true, times: 1 });
    const { body, res } = await createSale();
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("pending");
    pay(body.pos_id);
    await drain();
    expect(await status(body.external_reference)).toBe("paid");
  });

  if (orders) {
    // the create carries an idempotency key, so an unclear answer is asked again, not a failure
    it("a create answered 500 that did not land is sent again with the same key: one order, payable", async () => {
      sim.sim.faults.set({ endpoint: "create_api_order", kind: "500", times: 1 });
      const { body, res } = await createSale();
      expect(res.status).toBe(201);
      expect(calls()).toEqual([api.publish, api.publish]);
      expect(sim.sim.truth(body.external_reference).order_ids).toHaveLength(1);
      pay(body.pos_id);
      await drain();
      expect(await status(body.external_reference)).toBe("paid");
    });
  } else {
    it("PUT that failed with 500 and did not land: failed, 502, POS free", async () => {
      sim.sim.faults.set({ endpoint: "put_order", kind: "500", times: 1 });
      const { body, res } = await createSale();
      expect(res.status).toBe(502);
      expect(await status(body.external_reference)).toBe("failed");
      const next = await createSale({ pos_id: body.pos_id });
      expect(next.res.status).toBe(201);
    });
  }

  it("a sale stored but never published (crash before it) is published by the sweeper and can be paid", async () => {
    const body = await storedNotPublished();
    expect(await orderOnPos(body.pos_id)).toBeNull();

    await h.sweeper.runOnce();

    expect(await orderOnPos(body.pos_id)).toBe(body.external_reference);
    expect((await row(body.external_reference)).orderState).toBe("on_pos");
    pay(body.pos_id);
    await drain();
    expect(await status(body.external_reference)).toBe("paid");
  });

  it("a publication left to the sweeper whose order landed and was paid (notification lost) ends paid and is not published again", async () => {
    // the request's publication reached Mercado Pago, then the process died; the customer paid
    const body = await storedNotPublished();
    const stored = (await h.repo.findByReference(body.external_reference))!;
    if (orders) {
      await axios.post(
        `${sim.baseUrl}/v1/orders`,
        orderBody(stored, { mode: "static", ttlSeconds: 600, sponsorId: undefined }),
        {
          headers: {
            Authorization: `Bearer ${TOKEN}`,
            "X-Idempotency-Key": createIdempotencyKey(stored),
          },
        },
      );
    } else {
      await axios.put(
        `${sim.baseUrl}/instore/qr/seller/collectors/${COLLECTOR}/stores/${body.store_id}/pos/${body.pos_id}/orders`,
        instoreOrderBody(stored, "http://127.0.0.1:1/webhooks/mercadopago", undefined),
        { headers: { Authorization: `Bearer ${TOKEN}` } },
      );
    }
    sim.sim.notifier.setControls({ drop: true });
    pay(body.pos_id);
    expect(await orderOnPos(body.pos_id)).toBeNull();
    sim.sim.requests.length = 0;

    await h.sweeper.runOnce();
    if (orders && (await status(body.external_reference)) === "pending") {
      // the create sent again answered the order as it was made; the next read sees it paid
      await makeDue(body.external_reference);
      await h.sweeper.runOnce();
    }

    expect(await status(body.external_reference)).toBe("paid");
    if (orders) {
      // the create was sent again with the same key: Mercado Pago made no second order
      expect(sim.sim.truth(body.external_reference).order_ids).toHaveLength(1);
    } else {
      // a second PUT would put the paid order back on the QR for the next customer to pay again
      expect(calls()).not.toContain("PUT put_order");
    }
    expect(await orderOnPos(body.pos_id)).toBeNull();
  });

  it("a sale stored but never published whose time ran out is failed and frees the POS", async () => {
    const body = await storedNotPublished(5_000);

    await h.sweeper.runOnce();

    const r = await row(body.external_reference);
    expect(r.status).toBe("failed");
    expect(r.orderState).toBe("withdrawn");
    expect(await orderOnPos(body.pos_id)).toBeNull();
    const next = await createSale({ pos_id: body.pos_id });
    expect(next.res.status).toBe(201);
  });

  if (orders) {
    it("a create whose every answer is lost is finished by the sweeper; paid meanwhile (notification lost), it ends paid", async () => {
      sim.sim.notifier.setControls({ drop: true });
      // every create lands at Mercado Pago but its answer is a 500
      sim.sim.faults.set({ endpoint: "create_api_order", kind: "500", after: true });
      const { body, res } = await createSale();
      expect(res.status).toBe(504);
      expect((await row(body.external_reference)).orderState).toBe("publishing");
      expect(await orderOnPos(body.pos_id)).toBe(body.external_reference);
      pay(body.pos_id);

      sim.sim.faults.clear();
      for (let i = 0; i < 3 && (await status(body.external_reference)) === "pending"; i++) {
        await makeDue(body.external_reference);
        await h.sweeper.runOnce();
      }

      expect(await status(body.external_reference)).toBe("paid");
      expect(sim.sim.truth(body.external_reference).order_ids).toHaveLength(1);
    });
  } else {
    // the clean-up of a failed PUT (a DELETE of the POS's one slot) is instore v2's alone
    it("a failed create whose order stayed payable ends paid when the customer pays it (notification lost)", async () => {
      sim.sim.notifier.setControls({ drop: true });
      // the PUT lands but answers 500; the POS cannot be read and the clean-up DELETE fails too
      sim.sim.faults.set([
        { endpoint: "put_order", kind: "500", after: true, times: 1 },
        { endpoint: "get_order", kind: "500" },
        { endpoint: "delete_order", kind: "500" },
      ]);
      const { body, res } = await createSale();
      expect(res.status).toBe(502);
      expect(await status(body.external_reference)).toBe("failed");
      expect(await orderOnPos(body.pos_id)).toBe(body.external_reference);

      pay(body.pos_id);
      await drain();
      expect(await status(body.external_reference)).toBe("failed");
      await makeDue(body.external_reference);
      await h.sweeper.runOnce();

      expect(await status(body.external_reference)).toBe("paid");
      expect(await transitions(body.external_reference)).toEqual([
        "∅→pending:create",
        "pending→failed:create",
        "failed→paid:reconcile",
      ]);
    });

    it("the clean-up DELETE of a failed create is retried by the sweeper until it lands", async () => {
      sim.sim.faults.set([
        { endpoint: "put_order", kind: "500", after: true, times: 1 },
        { endpoint: "get_order", kind: "500" },
        { endpoint: "delete_order", kind: "500" },
      ]);
      const { body, res } = await createSale();
      expect(res.status).toBe(502);
      expect((await row(body.external_reference)).orderState).toBe("withdrawing");

      await makeDue(body.external_reference);
      await h.sweeper.runOnce(); // Mercado Pago still failing: the DELETE stays owed
      expect(await orderOnPos(body.pos_id)).toBe(body.external_reference);
      expect((await row(body.external_reference)).orderState).toBe("withdrawing");

      sim.sim.faults.clear();
      await makeDue(body.external_reference);
      await h.sweeper.runOnce();

      expect(await orderOnPos(body.pos_id)).toBeNull();
      const r = await row(body.external_reference);
      expect(r.orderState).toBe("withdrawn");
      expect(r.status).toBe("failed");
      expect(() => sim.sim.scan(body.pos_id)).toThrow();
    });

    it("the clean-up of a failed create never deletes a newer sale's order", async () => {
      sim.sim.faults.set([
        { endpoint: "put_order", kind: "500", after: true, times: 1 },
        { endpoint: "get_order", kind: "500" },
        { endpoint: "delete_order", kind: "500" },
      ]);
      const { body } = await createSale();
      sim.sim.faults.clear();
      const next = await createSale({ pos_id: body.pos_id });
      expect(next.res.status).toBe(201);

      await makeDue(body.external_reference);
      await h.sweeper.runOnce();

      expect(await orderOnPos(body.pos_id)).toBe(next.body.external_reference);
      expect((await row(body.external_reference)).orderState).toBe("withdrawn");
    });
  }

  it("a 429 storm on the reads delays settlement but loses nothing", async () => {
    const { body } = await createSale();
    for (const endpoint of api.reads) {
      sim.sim.faults.set({ endpoint, kind: "429", retryAfterSeconds: 0, times: 6 });
    }
    pay(body.pos_id);
    await drain();
    // whatever the storm did to the first attempts, the rows are retried until they succeed
    for (let i = 0; i < 10 && (await status(body.external_reference)) !== "paid"; i++) {
      await db.prisma.notification.updateMany({
        where: { processedAt: null },
        data: { dueAt: new Date() },
      });
      await h.worker.runOnce();
    }
    expect(await status(body.external_reference)).toBe("paid");
    expect(
      (await transitions(body.external_reference)).filter((t) => t.includes("→paid")),
    ).toHaveLength(1);
  });

  it.each(["500", "429", "hang", "html", "empty204"] as const)(
    "reads failing with %s leave the notification to retry",
    async (kind) => {
      const { body } = await createSale();
      sim.sim.notifier.setControls({ formats: ["ipn"] });
      for (const endpoint of api.reads) {
        sim.sim.faults.set({ endpoint, kind, retryAfterSeconds: 0 });
      }
      pay(body.pos_id);
      await drain();
      expect(await status(body.external_reference)).toBe("pending");
      const waiting = await db.prisma.notification.count({
        where: { processedAt: null, lastError: { not: null } },
      });
      expect(waiting).toBeGreaterThan(0);

      sim.sim.faults.clear();
      await db.prisma.notification.updateMany({
        where: { processedAt: null },
        data: { dueAt: new Date() },
      });
      await drain();
      expect(await status(body.external_reference)).toBe("paid");
    },
  );

  it.each(["500", "hang"] as const)(
    "cancel with Mercado Pago failing (%s) answers 502 and keeps the sale",
    async (kind) => {
      const { body } = await createSale();
      sim.sim.faults.set({ endpoint: api.cancelFault, kind });
      const res = await request(h.app).delete(`/orders/${body.external_reference}`).set(auth);
      expect(res.status === 502 || res.status === 504).toBe(true);
      expect(await status(body.external_reference)).toBe("pending");
    },
  );

  it("refund made at Mercado Pago after payment → refunded", async () => {
    const { body } = await createSale();
    if (orders) {
      pay(body.pos_id);
      await drain();
      const [orderId] = sim.sim.truth(body.external_reference).order_ids;
      sim.sim.state.refundApiOrder(orderId!, undefined, randomUUID());
    } else {
      const { payment } = sim.sim.pay(body.pos_id, { status: "approved" });
      await drain();
      sim.sim.refund(payment.id);
    }
    await drain();
    expect(await status(body.external_reference)).toBe("refunded");
  });
});
