import type { Server } from "node:http";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  clearLedgerFaults,
  ledgerFaultsOf,
  startSimulatorServer,
  type SimulatorServer,
} from "mercadopago-simulator";
import { localDayBounds } from "../src/stores/store-day.ts";
import {
  API_KEY,
  COLLECTOR,
  TOKEN,
  buildHarness,
  createTestDb,
  saleBody,
  uniquePos,
  type Harness,
  type TestDb,
} from "./helpers.ts";
import { listenOnLoopback, notifyService } from "./simulator-flows.ts";

// The reconciliation of a store's day with the simulator as Mercado Pago: each discrepancy made
// by a fault of the simulator (a notification lost, a refund or a chargeback made at Mercado
// Pago, the ledger showing another amount or not the payment at all), recorded once; a day of
// over a thousand payments read page by page; a run cut short resumed where it stopped; two runs
// of one day at once, one of them working.

const ZONE = "America/Argentina/Buenos_Aires";
const full = { Authorization: `Bearer ${API_KEY}` };
const staff = { Authorization: "Bearer staff-key-0123456789abcdef" };
const today = () => new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date());

let db: TestDb;
let sim: SimulatorServer;
let h: Harness;
let server: Server;

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulatorServer({
    accessToken: TOKEN,
    collectorId: Number(COLLECTOR),
    sweepIntervalMs: 0,
  });
  h = buildHarness(db, {
    mpBaseUrl: sim.baseUrl,
    timeoutMs: 2000,
    staffApiKeys: ["staff-key-0123456789abcdef"],
    reconciliation: { pageSize: 50 },
  });
  server = await listenOnLoopback(h.app);
}, 60_000);

afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => server.close(resolve));
  await db.drop();
});

beforeEach(() => {
  sim.sim.notifier.resetControls();
  notifyService(sim, server);
  sim.sim.faults.clear();
  clearLedgerFaults(sim.sim.state);
  h.clock.offsetMs = 0;
});

/** Our row of a store the simulator made (the PUT convenience), with its Mercado Pago id. */
async function adoptStore(storeId: string) {
  const [store] = sim.sim.state.searchStores(COLLECTOR, storeId);
  await db.prisma.store.upsert({
    where: { externalId: storeId },
    create: {
      externalId: storeId,
      mercadopagoId: store!.id,
      name: storeId,
      location: {},
      requestHash: "h",
      timeZone: ZONE,
    },
    update: {},
  });
}

async function drain() {
  await sim.sim.notifier.idle();
  for (let i = 0; i < 20; i++) {
    const due = await db.prisma.notification.count({
      where: { processedAt: null, dueAt: { lte: new Date() } },
    });
    if (due === 0) return;
    await h.worker.runOnce();
  }
}

/** A sale of `store` paid at the simulator; its notification worked unless notifications drop. */
async function paidSale(store: string, total = 100) {
  const body = saleBody({
    store_id: store,
    items: [{ title: "Coffee", unit_price: total, quantity: 1 }],
  });
  await request(h.app).post("/sales").set(full).send(body).expect(201);
  const { payment } = sim.sim.pay(body.pos_id, { status: "approved" });
  await drain();
  return { ref: body.external_reference as string, paymentId: payment.id };
}

async function sale(ref: string) {
  return db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
}

async function reconciliationEvents(ref: string) {
  const s = await sale(ref);
  return db.prisma.saleEvent.findMany({
    where: { saleId: s.id, source: "reconciliation" },
    orderBy: { id: "asc" },
  });
}

const run = (store: string, date = today()) =>
  request(h.app).post(`/reconciliation/run?store_id=${store}&date=${date}`).set(full);

describe("reconciliation of a day with Mercado Pago", () => {
  it("when each fault of the simulator is made, then each kind is reported once and not again on the next run", async () => {
    const store = "RECON1";
    const matched = await paidSale(store);
    await adoptStore(store);
    const refunded = await paidSale(store, 200);
    const charged = await paidSale(store, 300);
    const misAmount = await paidSale(store, 400);
    const unlisted = await paidSale(store, 500);
    // a payment whose notification is lost, and a refund made at Mercado Pago, never told
    sim.sim.notifier.setControls({ drop: true });
    const lost = await paidSale(store, 600);
    sim.sim.refund(refunded.paymentId, 50);
    const faults = ledgerFaultsOf(sim.sim.state);
    faults.chargebacks.add(charged.paymentId);
    faults.amounts.set(misAmount.paymentId, 401);
    faults.hidden.add(unlisted.paymentId);
    expect((await sale(lost.ref)).status).toBe("pending");

    const before = await request(h.app)
      .get(`/reconciliation?store_id=${store}&date=${today()}`)
      .set(staff)
      .expect(200);
    expect(before.body).toEqual({ status: "pending", checked_at: null, discrepancies: [] });

    const first = await run(store).expect(200);
    expect(first.body.status).toBe("discrepancies");
    expect(first.body.run).toMatchObject({ ran: true, new_discrepancies: 5 });
    const byKind = Object.fromEntries(
      (first.body.discrepancies as { kind: string; external_reference: string }[]).map((d) => [
        d.kind,
        d,
      ]),
    );
    expect(Object.keys(byKind).sort()).toEqual([
      "amount_mismatch",
      "chargeback",
      "paid_here_not_there",
      "paid_there_not_here",
      "refund_not_recorded",
    ]);
    expect(byKind["paid_there_not_here"]).toMatchObject({
      external_reference: lost.ref,
      payment_id: String(lost.paymentId),
      amount: 600,
    });
    expect(byKind["refund_not_recorded"]).toMatchObject({
      external_reference: refunded.ref,
      amount: 50,
    });
    expect(byKind["chargeback"]).toMatchObject({ external_reference: charged.ref, amount: 300 });
    expect(byKind["amount_mismatch"]).toMatchObject({
      external_reference: misAmount.ref,
      amount: 401,
    });
    expect(byKind["paid_here_not_there"]).toMatchObject({
      external_reference: unlisted.ref,
      payment_id: String(unlisted.paymentId),
    });
    for (const s of [lost, refunded, charged, misAmount, unlisted]) {
      expect(await reconciliationEvents(s.ref)).toHaveLength(1);
    }
    expect(await reconciliationEvents(matched.ref)).toHaveLength(0);
    const [event] = await reconciliationEvents(charged.ref);
    expect(event).toMatchObject({ fromStatus: "paid", toStatus: "paid" });
    expect(event!.detail).toMatchObject({
      kind: "reconciliation_discrepancy",
      discrepancy: "chargeback",
    });

    // the next run finds the same ones: nothing new is recorded or told
    const second = await run(store).expect(200);
    expect(second.body.run).toMatchObject({ ran: true, new_discrepancies: 0 });
    expect(second.body.discrepancies).toHaveLength(5);
    expect(await db.prisma.reconciliationDiscrepancy.count({ where: { storeId: store } })).toBe(5);
    for (const s of [lost, refunded, charged, misAmount, unlisted]) {
      expect(await reconciliationEvents(s.ref)).toHaveLength(1);
    }

    // the close-out shows the same reconciliation
    const close = await request(h.app)
      .get(`/sales/close?store_id=${store}&date=${today()}`)
      .set(staff)
      .expect(200);
    expect(close.body.reconciliation.status).toBe("discrepancies");
    expect(close.body.reconciliation.discrepancies).toHaveLength(5);
  });

  it("when a payment's notification is lost, then the day's run finds it and the sale ends paid by itself", async () => {
    const store = "RECON2";
    const first = await paidSale(store);
    await adoptStore(store);
    sim.sim.notifier.setControls({ drop: true });
    const lost = await paidSale(store, 250);
    expect((await sale(lost.ref)).status).toBe("pending");
    sim.sim.notifier.setControls({ drop: false });

    // the next day after 03:00 in the store's zone: the daily job owes today
    const tomorrow = localDayBounds(today(), ZONE).end.getTime();
    h.clock.offsetMs = tomorrow + 4 * 3_600_000 - Date.now();
    await h.reconciliation.job.runOnce();
    h.clock.offsetMs = 0;
    const view = await request(h.app)
      .get(`/reconciliation?store_id=${store}&date=${today()}`)
      .set(staff)
      .expect(200);
    expect(view.body.discrepancies).toEqual([
      expect.objectContaining({ kind: "paid_there_not_here", external_reference: lost.ref }),
    ]);
    // the run made the sale due: the sweeper's own look reads the payment
    await h.sweeper.runOnce();
    expect((await sale(lost.ref)).status).toBe("paid");
    expect((await sale(first.ref)).status).toBe("paid");

    // run again: the day matches, the discrepancy resolved, nothing told twice
    const again = await run(store).expect(200);
    expect(again.body).toMatchObject({ status: "matched", discrepancies: [] });
    expect(await reconciliationEvents(lost.ref)).toHaveLength(1);
  });

  it("answers 404 for a store not ours, 400 for a bad date, 403 to a staff key that runs it", async () => {
    await request(h.app)
      .get(`/reconciliation?store_id=NOPE&date=${today()}`)
      .set(staff)
      .expect(404);
    await request(h.app)
      .get(`/reconciliation?store_id=RECON1&date=2026-02-30`)
      .set(staff)
      .expect(400);
    await request(h.app)
      .post(`/reconciliation/run?store_id=RECON1&date=${today()}`)
      .set(staff)
      .expect(403);
    await request(h.app).get(`/reconciliation?store_id=RECON1&date=${today()}`).expect(401);
    await db.prisma.store.create({
      data: {
        externalId: "RECONDOWN",
        mercadopagoId: "1",
        name: "x",
        location: {},
        requestHash: "h",
      },
    });
    sim.sim.faults.set({ endpoint: "search_payments", kind: "500" });
    const down = await run("RECONDOWN").expect(502);
    expect(down.body.error.code).toBe("mercadopago_unavailable");
  });
});

describe("a day of over a thousand payments", () => {
  const store = "RECONBIG";
  const COUNT = 1010;
  const pages = Math.ceil(COUNT / 50);
  const searches = () =>
    sim.sim.requests.filter((r) => r.path.startsWith("/v1/payments/search")).length;

  beforeAll(async () => {
    // the payments made at the simulator directly, the sales written as the service records them
    sim.sim.notifier.setControls({ drop: true });
    const pos = uniquePos();
    const rows: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const ref = `big-${i.toString().padStart(5, "0")}`;
      sim.sim.state.putOrder(COLLECTOR, store, pos, {
        external_reference: ref,
        title: "x",
        description: "x",
        notification_url: "http://127.0.0.1:1/webhooks/mercadopago",
        expiration_date: new Date(Date.now() + 600_000).toISOString(),
        total_amount: 10,
        items: [
          { title: "x", unit_price: 10, quantity: 1, unit_measure: "unit", total_amount: 10 },
        ],
      });
      const { payment } = sim.sim.pay(pos, { status: "approved" });
      rows.push(
        `('${ref}', '${store}', '${pos}', 'x', '', '[]'::jsonb, 1000, 'paid', 1000, ` +
          `'[{"id": ${payment.id}, "status": "approved", "amount": 10}]'::jsonb, 'h', now(), 'withdrawn')`,
      );
    }
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO sales (external_reference, store_id, pos_id, title, description, items,
         total_cents, status, paid_cents, payments, request_hash, expires_at, order_state)
       VALUES ${rows.join(",")}`,
    );
    await adoptStore(store);
  }, 120_000);

  it("when the day has over a thousand payments, then they are read page by page and all match", async () => {
    sim.sim.requests.length = 0;
    const outcome = await h.reconciliation.runner.run(store, today());
    expect(outcome).toMatchObject({ ran: true, resumed: false, pages, payments: COUNT });
    expect(outcome.ran && outcome.found).toEqual([]);
    expect(searches()).toBe(pages);
    expect(await db.prisma.reconciliationLedgerPayment.count({ where: { storeId: store } })).toBe(
      COUNT,
    );
  });

  it("when a run dies after three pages, then the next resumes at the fourth and counts each payment once", async () => {
    const dying = buildHarness(db, {
      mpBaseUrl: sim.baseUrl,
      timeoutMs: 2000,
      reconciliation: {
        pageSize: 50,
        afterPage: (n) => {
          if (n === 3) throw new Error("process killed");
        },
      },
    });
    sim.sim.requests.length = 0;
    await expect(dying.reconciliation.runner.run(store, today())).rejects.toThrow("process killed");
    const cut = await db.prisma.reconciliationRun.findFirstOrThrow({ where: { storeId: store } });
    expect(cut).toMatchObject({ state: "running", nextOffset: 150, pages: 3 });
    expect(await db.prisma.reconciliationLedgerPayment.count({ where: { storeId: store } })).toBe(
      150,
    );

    const outcome = await h.reconciliation.runner.run(store, today());
    expect(outcome).toMatchObject({ ran: true, resumed: true, pages: pages - 3, payments: COUNT });
    expect(outcome.ran && outcome.found).toEqual([]);
    expect(searches()).toBe(pages);
    expect(await db.prisma.reconciliationDiscrepancy.count({ where: { storeId: store } })).toBe(0);
  });

  it("when a run's lease is taken over, then the first writes nothing more and the day is counted once", async () => {
    // the first run's process stalls after its first page; its lease runs out and another
    // process takes the day over where it stood; when the first wakes up its pages are refused
    let stalled!: () => void;
    const paused = new Promise<void>((resolve) => (stalled = resolve));
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const stalling = buildHarness(db, {
      mpBaseUrl: sim.baseUrl,
      timeoutMs: 2000,
      reconciliation: {
        pageSize: 50,
        leaseMs: 200,
        afterPage: async (n) => {
          if (n !== 1) return;
          stalled();
          await sleep(1500);
        },
      },
    });
    const other = buildHarness(db, {
      mpBaseUrl: sim.baseUrl,
      timeoutMs: 2000,
      reconciliation: { pageSize: 50, leaseMs: 5000 },
    });
    sim.sim.requests.length = 0;
    const first = stalling.reconciliation.runner.run(store, today());
    await paused;
    await sleep(300);
    const second = await other.reconciliation.runner.run(store, today());
    expect(second).toMatchObject({ ran: true, resumed: true, pages: pages - 1, payments: COUNT });
    expect(await first).toEqual({ ran: false, reason: "lease_lost" });
    // the stalled run read one page more before it found out; nothing of it was kept
    expect(searches()).toBe(pages + 1);
    expect(await db.prisma.reconciliationLedgerPayment.count({ where: { storeId: store } })).toBe(
      COUNT,
    );
    const day = await db.prisma.reconciliationRun.findFirstOrThrow({ where: { storeId: store } });
    expect(day).toMatchObject({ state: "done", pages });
  });

  it("when two runs of the same day start at once, then one runs and the other stands aside", async () => {
    const [a, b] = await Promise.all([
      h.reconciliation.runner.run(store, today()),
      h.reconciliation.runner.run(store, today()),
    ]);
    const ran = [a, b].filter((o) => o.ran);
    expect(ran).toHaveLength(1);
    expect([a, b].find((o) => !o.ran)).toEqual({ ran: false, reason: "busy" });
    expect(ran[0]).toMatchObject({ payments: COUNT });
  });
});
