import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { webhooksOutRegistry } from "../src/metrics/webhooks-out-metrics.ts";
import { auth, saleBody } from "./helpers.ts";
import {
  resetSimulatorFlows,
  startSimulatorFlows,
  stopSimulatorFlows,
  type SimulatorFlows,
} from "./simulator-flows.ts";

// An Orders API `order` notification whose x-signature does not verify (Mercado Pago's docs and
// SDKs disagree on the id's casing in the signed text) still gets our own pending sale re-read;
// an id that is not ours costs no inbox row and no read.

const SIGNING_SECRET = "fallback-orders-signing-secret-0123456789";

async function rereads(): Promise<number> {
  const m = await webhooksOutRegistry
    .getSingleMetric("order_signature_mismatch_rereads_total")
    ?.get();
  return m?.values[0]?.value ?? 0;
}

describe("Orders API notifications whose signature does not verify", () => {
  let f: SimulatorFlows;
  beforeAll(async () => {
    f = await startSimulatorFlows("orders", SIGNING_SECRET);
  });
  afterAll(() => stopSimulatorFlows(f));
  beforeEach(() => {
    resetSimulatorFlows(f);
    // Mercado Pago's own (signed) notifications are lost: only the forged-looking one arrives
    f.sim.sim.notifier.setControls({ drop: true });
  });

  const unverified = (orderId: string) =>
    request(f.h.app)
      .post(`/webhooks/mercadopago?data.id=${orderId}&type=order`)
      .set({
        "x-signature": `ts=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}`,
        "x-request-id": "r-1",
      })
      .send({ action: "order.processed", type: "order", data: { id: orderId } })
      .expect(200);

  it("re-reads our pending order once and settles it; counts it", async () => {
    const body = saleBody();
    const created = await request(f.h.app).post("/sales").set(auth).send(body).expect(201);
    const orderId = created.body.order_id as string;
    f.sim.sim.payOrder(body.pos_id);
    const before = await rereads();
    f.sim.sim.requests.length = 0;
    await unverified(orderId);
    expect(await rereads()).toBe(before + 1);
    expect(await f.db.prisma.notification.count({ where: { resourceId: orderId } })).toBe(1);
    await f.h.worker.runOnce();
    const reads = f.sim.sim.requests.filter((r) => r.method === "GET" && r.path.includes(orderId));
    expect(reads).toHaveLength(1);
    const sale = await request(f.h.app).get(`/orders/${body.external_reference}`).set(auth);
    expect(sale.body.status).toBe("paid");
    // the sale's history says the signature did not verify, and what the read found
    const history = await request(f.h.app)
      .get(`/orders/${body.external_reference}?include=events`)
      .set(auth);
    expect(
      history.body.notifications.inbound.find(
        (n: { resource_id: string }) => n.resource_id === orderId,
      ),
    ).toMatchObject({ topic: "order", signature_valid: false, outcome: "paid" });
  });

  it("ignores an order id that is not one of ours: no row, no read, not counted", async () => {
    const before = await rereads();
    const rows = await f.db.prisma.notification.count();
    f.sim.sim.requests.length = 0;
    await unverified("ORD01JQ4S4KY8HWQ6NA5PXB65B3D3");
    await f.h.worker.runOnce();
    expect(await f.db.prisma.notification.count()).toBe(rows);
    expect(f.sim.sim.requests).toHaveLength(0);
    expect(await rereads()).toBe(before);
  });
});
