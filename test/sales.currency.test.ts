import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MercadoPagoApi } from "../src/mercadopago/upstream.ts";
import type { SiteId } from "../src/sites.ts";
import { auth, saleBody } from "./helpers.ts";
import {
  drainInbox,
  resetSimulatorFlows,
  startSimulatorFlows,
  stopSimulatorFlows,
  type SimulatorFlows,
} from "./simulator-flows.ts";

// Each site's money, end to end with the simulator as that site: Chile's and Colombia's whole
// pesos (Mercado Pago refuses their decimals), each currency's own cap, and the currency in the
// sale. Colombia is instore v2 only: Mercado Pago offers no Orders API QR there.

const CASES: { site: SiteId; currency: string; api: MercadoPagoApi; cap: number }[] = [
  { site: "MLC", currency: "CLP", api: "instore_v2", cap: 10_000_000 },
  { site: "MLC", currency: "CLP", api: "orders", cap: 10_000_000 },
  { site: "MCO", currency: "COP", api: "instore_v2", cap: 40_000_000 },
];

describe.each(CASES)("a $currency sale ($site, $api)", ({ site, currency, api, cap }) => {
  let flows: SimulatorFlows;
  beforeAll(async () => {
    flows = await startSimulatorFlows(api, "currency-signing-secret-0123456789", site);
  });
  afterAll(() => stopSimulatorFlows(flows));
  beforeEach(() => resetSimulatorFlows(flows));

  const create = (body: object) => request(flows.h.app).post("/sales").set(auth).send(body);

  it("in whole pesos is published as whole pesos, paid end to end, in its currency", async () => {
    const body = saleBody({ items: [{ title: "Empanada", unit_price: 1500, quantity: 3 }] });
    const res = await create(body).expect(201);
    expect(res.body).toMatchObject({ currency, total_amount: 4500, status: "pending" });
    // what Mercado Pago was sent: whole units (the Orders API's strings carry no decimals)
    const order = flows.sim.sim.truth(body.external_reference);
    if (api === "orders") {
      const sent = flows.sim.sim.state.getApiOrder(order.order_ids[0]!);
      // the body as sent: the Orders API's amounts are strings with the currency's decimals
      expect(sent.items).toMatchObject([{ unit_price: "1500", quantity: 3 }]);
      expect(sent.currency).toBe(currency);
      flows.sim.sim.payOrder(body.pos_id);
    } else {
      flows.sim.sim.pay(body.pos_id, { status: "approved" });
    }
    await drainInbox(flows);
    const paid = await request(flows.h.app)
      .get(`/orders/${body.external_reference}`)
      .set(auth)
      .expect(200);
    expect(paid.body).toMatchObject({ status: "paid", paid_amount: 4500, currency });
    // a refund in cents is refused in this currency; in whole pesos it is made
    const cents = await request(flows.h.app)
      .post(`/orders/${body.external_reference}/refund`)
      .set(auth)
      .send({ amount: 2.5 });
    expect(cents.status).toBe(400);
    expect(cents.body.error.details).toEqual([
      { path: "amount", message: `must be a whole number: ${currency} has no decimals` },
    ]);
    const refunded = await request(flows.h.app)
      .post(`/orders/${body.external_reference}/refund`)
      .set(auth)
      .send({ amount: 500 })
      .expect(200);
    expect(refunded.body).toMatchObject({ status: "paid", refunded_amount: 500, currency });
  });

  it("with cents is refused, naming the field and the currency, and nothing reaches Mercado Pago", async () => {
    flows.sim.sim.requests.length = 0;
    const res = await create(
      saleBody({ items: [{ title: "Café", unit_price: 2.5, quantity: 2 }] }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details).toContainEqual({
      path: "items.0.unit_price",
      message: `must be a whole number: ${currency} has no decimals`,
    });
    expect(flows.sim.sim.requests).toEqual([]);
  });

  it("with IVA in cents is refused the same way", async () => {
    if (api === "orders") return; // the Orders API takes no taxes at all (another refusal)
    const res = await create(
      saleBody({
        items: [{ title: "Almuerzo", unit_price: 11900, quantity: 1 }],
        taxes: [{ type: "IVA", value: 1900.5 }],
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual({
      path: "taxes.0.value",
      message: `must be a whole number: ${currency} has no decimals`,
    });
  });

  it(`is capped at ${cap} ${currency}`, async () => {
    const at = await create(saleBody({ items: [{ title: "Auto", unit_price: cap, quantity: 1 }] }));
    expect(at.status).toBe(201);
    const over = await create(
      saleBody({ items: [{ title: "Auto", unit_price: cap + 1, quantity: 1 }] }),
    );
    expect(over.status).toBe(400);
    expect(over.body.error.details).toContainEqual({
      path: "items",
      message: `total must be at most ${cap} ${currency}`,
    });
  });

  it("refuses a body its currency cannot carry before looking at the reference it reuses", async () => {
    const first = saleBody({ items: [{ title: "Pan", unit_price: 100, quantity: 1 }] });
    await create(first).expect(201);
    // the same reference with a body that is invalid in this currency: the body is what is wrong,
    // not the reference (a 409 would tell the till to pick a new reference for a bad body)
    const reused = await create({
      ...first,
      items: [{ title: "Pan", unit_price: 100.5, quantity: 1 }],
    });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe("validation_failed");
  });
});

describe("the simulator as a whole-peso site", () => {
  let flows: SimulatorFlows;
  beforeAll(async () => {
    flows = await startSimulatorFlows("instore_v2", "currency-signing-secret-0123456789", "MCO");
  });
  afterAll(() => stopSimulatorFlows(flows));

  it("refuses an order with cents in Mercado Pago's words", () => {
    expect(() =>
      flows.sim.sim.state.putOrder(String(flows.sim.sim.state.collectorId), "S1", "P1", {
        external_reference: "cop-cents",
        title: "Venta",
        total_amount: 2.5,
        items: [
          { title: "x", unit_price: 2.5, quantity: 1, unit_measure: "unit", total_amount: 2.5 },
        ],
      }),
    ).toThrow("Prices in COP currency must be expressed with integer values");
  });
});
