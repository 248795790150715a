import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import { createWebhookDeliverer } from "../src/jobs/webhook-deliverer.ts";
import { createWebhooksOutRepository } from "../src/webhooks-out/webhooks-out.repository.ts";
import {
  auth,
  buildHarness,
  COLLECTOR,
  createTestDb,
  saleBody,
  TOKEN,
  type Harness,
  type TestDb,
} from "./helpers.ts";
import { drainInbox } from "./simulator-flows.ts";
import { startReceiver } from "./webhook-receiver.ts";

// What an event says beyond the sale, and a sale's notifications both ways in its history: the
// simulator as Mercado Pago, a receiver on loopback, the outbox written by the triggers.

describe("events out: refunds and a sale's notifications", () => {
  let db: TestDb;
  let sim: SimulatorServer;
  let h: Harness;
  let server: Server;
  const logger = pino({ level: "silent" });
  const policy = { publicOnly: false, resolve: async () => [] };
  let repo: ReturnType<typeof createWebhooksOutRepository>;
  const deliverer = () =>
    createWebhookDeliverer({
      repo,
      logger,
      policy,
      config: {
        timeoutMs: 2000,
        retryBaseMs: 50,
        retryForMs: 60_000,
        disableAfterMs: 3_600_000,
        pollMs: 25,
      },
    });

  beforeAll(async () => {
    db = await createTestDb();
    repo = createWebhooksOutRepository(db.prisma);
    sim = await startSimulatorServer({
      accessToken: TOKEN,
      collectorId: Number(COLLECTOR),
      sweepIntervalMs: 0,
    });
    h = buildHarness(db, { mpBaseUrl: sim.baseUrl, timeoutMs: 400, webhooksOut: { repo, policy } });
    server = createServer(h.app).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const { port } = server.address() as AddressInfo;
    sim.sim.notifier.setControls({
      overrideUrl: `http://127.0.0.1:${port}/webhooks/mercadopago`,
      retrySchedule: [20, 40],
    });
  });
  afterAll(async () => {
    await sim.close();
    await new Promise((r) => server.close(r));
    await db.drop();
  });
  afterEach(async () => {
    sim.sim.faults.clear();
    for (const e of await repo.listEndpoints()) await repo.deleteEndpoint(e.id, new Date());
  });

  const drain = () => drainInbox({ db, sim, h, server });

  async function addEndpoint(url: string, events: string[]) {
    const res = await request(h.app).post("/webhook-endpoints").set(auth).send({ url, events });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }

  async function paidSale() {
    const body = saleBody();
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    sim.sim.pay(body.pos_id, { status: "approved", amount: 5 });
    await drain();
    return body.external_reference;
  }

  it("refund.failed names the refund: its id, amount and Mercado Pago's word", async () => {
    const receiver = await startReceiver();
    receiver.setSecret((await addEndpoint(receiver.url, ["refund.failed"])).secret);
    const ref = await paidSale();
    sim.sim.faults.set({ endpoint: "refund_payment", kind: "500", times: 1 });
    await request(h.app).post(`/orders/${ref}/refund`).set(auth).send({ amount: 2 }).expect(502);
    await deliverer().runOnce();

    const [got] = receiver.got.filter((g) => g.ref === ref);
    const row = await db.prisma.refund.findFirstOrThrow({
      where: { sale: { externalReference: ref } },
    });
    expect(row.status).toBe("failed");
    expect(got).toMatchObject({ type: "refund.failed", verified: true });
    const failure = row.failure as { code: string; message: string };
    expect(got!.body.data).toMatchObject({
      sale: { external_reference: ref },
      refund: {
        id: row.id,
        status: "failed",
        amount: 2,
        refunded_amount: 0,
        failure: { code: failure.code, message: failure.message },
      },
    });
    await receiver.close();
  });
});
