import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SimulatorServer } from "mercadopago-simulator";
import { auth, saleBody, type Harness, type TestDb } from "./helpers.ts";
import {
  drainInbox,
  resetSimulatorFlows,
  startSimulatorFlows,
  stopSimulatorFlows,
  type SimulatorFlows,
} from "./simulator-flows.ts";

// Payment details, a payment in process and a chargeback end to end, with the built-in
// simulator as Mercado Pago over real HTTP both ways (its notifications reach the webhook route,
// the worker reads each resource by id from the simulator).

const SIGNING_SECRET = "details-orders-signing-secret-0123456789";
const ZONE = "America/Argentina/Buenos_Aires";

type Payment = Record<string, unknown> & { id: number | string };

/** A CSV line's cells (no quoted cells in these sales). */
const cells = (line: string) => line.split(",");

describe("instore v2 against the simulator: details, in process, chargebacks", () => {
  let db: TestDb;
  let sim: SimulatorServer;
  let h: Harness;
  let flows: SimulatorFlows;

  beforeAll(async () => {
    flows = await startSimulatorFlows("instore_v2", SIGNING_SECRET);
    ({ db, sim, h } = flows);
  });
  afterAll(() => stopSimulatorFlows(flows));
  beforeEach(() => resetSimulatorFlows(flows));

  const drain = () => drainInbox(flows);
  const get = (ref: string) => request(h.app).get(`/orders/${ref}`).set(auth).expect(200);

  async function newSale() {
    const body = saleBody();
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    return body;
  }

  it("a card payment's details on GET /orders/:ref and in the CSV, read once by payment id", async () => {
    const body = await newSale();
    const { payment } = sim.sim.pay(body.pos_id, {
      status: "approved",
      method: "visa",
      installments: 3,
    });
    await drain();
    const sale = (await get(body.external_reference)).body;
    expect(sale.status).toBe("paid");
    expect(sale.payment_in_process).toBe(false);
    expect(sale.dispute).toBeNull();
    const fee = payment.fee_details.reduce((sum, f) => sum + Math.round(f.amount * 100), 0) / 100;
    expect(sale.payments).toEqual([
      {
        id: payment.id,
        status: "approved",
        amount: 5,
        method: "visa",
        type: "credit_card",
        installments: 3,
        card_last_four: payment.card.last_four_digits,
        authorization_code: payment.authorization_code,
        fee_amount: fee,
        net_amount: payment.transaction_details.net_received_amount,
        money_release_date: payment.money_release_date,
        status_detail: "accredited",
        refunded_amount: 0,
      },
    ]);
    expect(fee).toBeGreaterThan(0);
    expect(sale.payments[0].net_amount).toBe(Math.round((5 - fee) * 100) / 100);
    // the merchant order lists no details: the payment is read by id, once, however often the
    // sale is read again afterwards
    await request(h.app).post(`/orders/${body.external_reference}/refresh`).set(auth);
    await drain();
    const paymentReads = sim.sim.requests.filter(
      (r) => r.method === "GET" && r.path === `/v1/payments/${payment.id}`,
    );
    expect(paymentReads).toHaveLength(1);
    const after = (await get(body.external_reference)).body;
    expect(after.payments[0].method).toBe("visa");

    const csv = await request(h.app)
      .get(`/sales?pos_id=${body.pos_id}`)
      .set(auth)
      .set("Accept", "text/csv")
      .buffer(true)
      .parse((r, done) => {
        let text = "";
        r.setEncoding("utf8");
        r.on("data", (c: string) => (text += c));
        r.on("end", () => done(null, text));
      });
    expect(csv.status).toBe(200);
    const [header, row] = (csv.body as string).slice(1).split("\r\n");
    const named = Object.fromEntries(cells(header!).map((h, i) => [h, cells(row!)[i]]));
    expect(cells(header!)[0]).toBe("external_reference");
    expect(named).toMatchObject({
      external_reference: body.external_reference,
      status: "paid",
      payment_method: "visa",
      payment_type: "credit_card",
      installments: "3",
      card_last_four: payment.card.last_four_digits,
      authorization_code: payment.authorization_code,
      fee_amount: fee.toFixed(2),
      net_amount: payment.transaction_details.net_received_amount.toFixed(2),
      payment_status_detail: "accredited",
      payment_in_process: "false",
      dispute_status: "",
    });
  });

  it("a sale the reconciler finds paid gets its payment's details with the move, read once", async () => {
    const body = await newSale();
    sim.sim.notifier.setControls({ drop: true });
    const { payment } = sim.sim.pay(body.pos_id, { status: "approved", method: "master" });
    await sim.sim.notifier.idle();
    expect((await get(body.external_reference)).body.status).toBe("pending");
    await db.prisma.$executeRaw`UPDATE sales SET next_check_at = now()
                                 WHERE external_reference = ${body.external_reference}`;
    await h.sweeper.runOnce();
    const sale = (await get(body.external_reference)).body;
    expect(sale.status).toBe("paid");
    expect(sale.payments).toHaveLength(1);
    expect(sale.payments[0]).toMatchObject({
      id: payment.id,
      method: "master",
      net_amount: payment.transaction_details.net_received_amount,
    });
    expect(sale.payments[0].fee_amount).toBeGreaterThan(0);
    const reads = sim.sim.requests.filter(
      (r) => r.method === "GET" && r.path === `/v1/payments/${payment.id}`,
    );
    expect(reads).toHaveLength(1);
  });

  it("a payment in process: payment_in_process while pending, false once approved", async () => {
    const body = await newSale();
    const { payment } = sim.sim.pay(body.pos_id, { status: "in_process", method: "master" });
    await drain();
    const waiting = (await get(body.external_reference)).body;
    expect(waiting).toMatchObject({ status: "pending", payment_in_process: true });
    // the POS's current sale (what the display reads) says so too
    const current = await request(h.app).get(`/pos/${body.pos_id}/sale`).set(auth).expect(200);
    expect(current.body.payment_in_process).toBe(true);

    sim.sim.state.settlePayment(payment.id, "approved");
    await drain();
    const paid = (await get(body.external_reference)).body;
    expect(paid).toMatchObject({ status: "paid", payment_in_process: false });
    expect(paid.payments[0]).toMatchObject({ method: "master", type: "credit_card" });
  });

  it("a chargeback after paid: the sale stays paid, its dispute is set, a disputed event and sale.disputed, the day's close lists it", async () => {
    // a receiver of sale.disputed (the harness has no webhook routes: the row is all the
    // database's triggers need to write the event)
    await db.prisma.$executeRaw`
      INSERT INTO webhook_endpoints (url, events, secret)
      VALUES ('https://receiver.example.com/hook', ARRAY['sale.disputed'], 'whsec_test')`;
    const body = await newSale();
    const { payment } = sim.sim.pay(body.pos_id, { status: "approved", method: "visa" });
    await drain();
    expect((await get(body.external_reference)).body.status).toBe("paid");

    const { chargeback } = sim.sim.state.chargeBack(payment.id);
    await drain();
    // the chargeback notification was read by id from the simulator (our base URL)
    expect(
      sim.sim.requests.some(
        (r) => r.method === "GET" && r.path === `/v1/chargebacks/${chargeback.id}`,
      ),
    ).toBe(true);

    const res = await request(h.app)
      .get(`/orders/${body.external_reference}?include=events`)
      .set(auth)
      .expect(200);
    const sale = res.body;
    expect(sale.status).toBe("paid");
    expect(sale.paid_amount).toBe(5);
    // a chargeback is not a refund
    expect(sale.refunded_amount).toBe(0);
    expect(sale.dispute).toEqual({
      status: "pending",
      amount: 5,
      opened_at: chargeback.date_created,
    });
    expect((sale.payments as Payment[])[0]).toMatchObject({
      status: "charged_back",
      method: "visa",
    });
    const disputed = (
      sale.events as { from: string; to: string; detail: { kind?: string } }[]
    ).filter((e) => e.detail?.kind === "disputed");
    expect(disputed).toHaveLength(1);
    expect(disputed[0]).toMatchObject({
      from: "paid",
      to: "paid",
      source: "webhook",
      detail: {
        kind: "disputed",
        amount: 5,
        payment_id: String(payment.id),
        chargeback_id: chargeback.id,
      },
    });
    // the outbound event, written with the change: one, whatever else is notified again
    const saleRow = await db.prisma.sale.findUniqueOrThrow({
      where: { externalReference: body.external_reference },
    });
    const events = await db.prisma.$queryRaw<{ type: string; n: bigint }[]>`
      SELECT type, count(*) AS n FROM outbound_events WHERE sale_id = ${saleRow.id}::uuid GROUP BY type`;
    expect(events.map((e) => [e.type, Number(e.n)])).toEqual([["sale.disputed", 1]]);

    // Mercado Pago telling it again changes nothing
    sim.sim.notifier.setControls({ duplicate: 2 });
    await request(h.app).post(`/orders/${body.external_reference}/refresh`).set(auth);
    await drain();
    const again = (await get(body.external_reference)).body;
    expect(again).toMatchObject({ status: "paid", refunded_amount: 0 });
    const still = await db.prisma.saleEvent.count({
      where: { saleId: saleRow.id, detail: { path: ["kind"], equals: "disputed" } },
    });
    expect(still).toBe(1);

    // the day's close lists the dispute
    const date = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(saleRow.createdAt);
    const close = await request(h.app)
      .get(`/sales/close?store_id=${body.store_id}&date=${date}&pos_id=${body.pos_id}`)
      .set(auth);
    expect(close.status, JSON.stringify(close.body)).toBe(200);
    expect(close.body.disputes).toEqual([
      expect.objectContaining({ external_reference: body.external_reference, amount: 5 }),
    ]);
    expect(close.body.refunded_amount).toBe(0);
  });
});

describe("the Orders API against the simulator: the details its order gives", () => {
  let h: Harness;
  let sim: SimulatorServer;
  let flows: SimulatorFlows;

  beforeAll(async () => {
    flows = await startSimulatorFlows("orders", SIGNING_SECRET);
    ({ sim, h } = flows);
  });
  afterAll(() => stopSimulatorFlows(flows));
  beforeEach(() => resetSimulatorFlows(flows));

  it("method, type and installments from payment_method; what the order lacks is null", async () => {
    const body = saleBody();
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    sim.sim.payOrder(body.pos_id);
    await drainInbox(flows);
    const sale = (await request(h.app).get(`/orders/${body.external_reference}`).set(auth)).body;
    expect(sale.status).toBe("paid");
    expect(sale.payments).toEqual([
      expect.objectContaining({
        method: "account_money",
        type: "account_money",
        installments: 1,
        card_last_four: null,
        authorization_code: null,
        fee_amount: null,
        net_amount: null,
        money_release_date: null,
        status_detail: "accredited",
        refunded_amount: 0,
      }),
    ]);
    // nothing is read beyond the order itself
    expect(sim.sim.requests.some((r) => r.path.startsWith("/v1/payments/"))).toBe(false);
  });
});
