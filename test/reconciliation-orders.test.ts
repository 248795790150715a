import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { API_KEY, COLLECTOR, saleBody } from "./helpers.ts";
import {
  drainInbox,
  resetSimulatorFlows,
  startSimulatorFlows,
  stopSimulatorFlows,
  type SimulatorFlows,
} from "./simulator-flows.ts";

// The reconciliation of a store's day on MP_API=orders, with the simulator as Mercado Pago: the
// sale's payments carry the Orders API's `PAY…` ids while the payments search lists numeric ids
// (the order payment's reference id), so each payment is matched to its sale by its
// external_reference.

const ZONE = "America/Argentina/Buenos_Aires";
const SIGNING_SECRET = "reconciliation-orders-secret-0123456789";
const full = { Authorization: `Bearer ${API_KEY}` };
const today = () => new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date());

let flows: SimulatorFlows;

beforeAll(async () => {
  flows = await startSimulatorFlows("orders", SIGNING_SECRET);
}, 60_000);
afterAll(() => stopSimulatorFlows(flows));
beforeEach(() => resetSimulatorFlows(flows));

/** Our row of the simulator's store, with its Mercado Pago id and the store's zone. */
async function adoptStore(storeId: string) {
  const [store] = flows.sim.sim.state.searchStores(COLLECTOR, storeId);
  await flows.db.prisma.store.create({
    data: {
      externalId: storeId,
      mercadopagoId: store!.id,
      name: storeId,
      location: {},
      requestHash: "h",
      timeZone: ZONE,
    },
  });
}

/** A sale of `store` on a POS of that store, paid through the Orders API and notified. */
async function paidSale(store: string, total: number) {
  const body = saleBody({
    store_id: store,
    items: [{ title: "Coffee", unit_price: total, quantity: 1 }],
  });
  flows.sim.sim.state.ensurePos(body.pos_id, store);
  await request(flows.h.app).post("/sales").set(full).send(body).expect(201);
  const order = flows.sim.sim.payOrder(body.pos_id);
  await drainInbox(flows);
  return { ref: body.external_reference, order };
}

const run = (store: string) =>
  request(flows.h.app).post(`/reconciliation/run?store_id=${store}&date=${today()}`).set(full);

describe("reconciliation of a day on the Orders API", () => {
  it("when the day's Orders API sales are paid, then they match; a refund made at Mercado Pago is reported once", async () => {
    const store = "RECONORD1";
    const first = await paidSale(store, 100);
    await adoptStore(store);
    const second = await paidSale(store, 250);
    const third = await paidSale(store, 400);
    for (const s of [first, second, third]) {
      const row = await flows.db.prisma.sale.findUniqueOrThrow({
        where: { externalReference: s.ref },
      });
      expect(row.status).toBe("paid");
      // the service records the Orders API's payment id, which the search does not list
      expect((row.payments as { id: string }[]).map((p) => p.id)).toEqual([
        s.order.transactions.payments[0]!.id,
      ]);
      expect(s.order.transactions.payments[0]!.id).toMatch(/^PAY/);
    }
    // the search lists the payments by their reference id, not the order's PAY… id
    const referenceId = second.order.transactions.payments[0]!.reference!.id;
    expect(referenceId).toMatch(/^\d+$/);

    const matched = await run(store).expect(200);
    expect(matched.body).toMatchObject({ status: "matched", discrepancies: [] });
    expect(matched.body.run).toMatchObject({ ran: true, payments: 3, new_discrepancies: 0 });

    // a part of the second sale refunded at Mercado Pago, its notification lost
    flows.sim.sim.notifier.setControls({ drop: true });
    flows.sim.sim.state.refundApiOrder(
      second.order.id,
      { transactions: [{ id: second.order.transactions.payments[0]!.id, amount: "60.00" }] },
      "refund-at-mercadopago-1",
    );
    await flows.sim.sim.notifier.idle();

    const found = await run(store).expect(200);
    expect(found.body.status).toBe("discrepancies");
    expect(found.body.run).toMatchObject({ ran: true, new_discrepancies: 1 });
    expect(found.body.discrepancies).toHaveLength(1);
    expect(found.body.discrepancies[0]).toMatchObject({
      kind: "refund_not_recorded",
      external_reference: second.ref,
      payment_id: referenceId,
      amount: 60,
    });

    const again = await run(store).expect(200);
    expect(again.body.run).toMatchObject({ ran: true, new_discrepancies: 0 });
    expect(again.body.discrepancies).toHaveLength(1);
    expect(
      await flows.db.prisma.reconciliationDiscrepancy.count({ where: { storeId: store } }),
    ).toBe(1);
  });
});
