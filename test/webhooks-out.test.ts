import type { Server } from "node:http";
import { pino } from "pino";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import { createWebhookDeliverer } from "../src/jobs/webhook-deliverer.ts";
import type { Resolve } from "../src/webhooks-out/endpoint-url.ts";
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
import { drainInbox, listenOnLoopback, notifyService } from "./simulator-flows.ts";
import { startReceiver } from "./webhook-receiver.ts";

// Webhooks out end to end: the simulator as Mercado Pago, real receivers on loopback ports, the
// outbox written by the database's triggers and sent by the deliverer job.

async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("webhooks to the store's systems", () => {
  let db: TestDb;
  let sim: SimulatorServer;
  let h: Harness;
  let server: Server;
  let answers: Record<string, string[]> = {};
  const resolve: Resolve = async (host) => answers[host] ?? [];
  const policy = { publicOnly: false, resolve };
  const logger = pino({ level: "silent" });
  let repo: ReturnType<typeof createWebhooksOutRepository>;
  const deliverer = (timeoutMs = 2000, p = policy) =>
    createWebhookDeliverer({
      repo,
      logger,
      policy: p,
      config: {
        timeoutMs,
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
    h = buildHarness(db, {
      mpBaseUrl: sim.baseUrl,
      timeoutMs: 400,
      webhooksOut: { repo, policy },
    });
    server = await listenOnLoopback(h.app);
    notifyService(sim, server);
  });
  afterAll(async () => {
    await sim.close();
    await new Promise((r) => server.close(r));
    await db.drop();
  });
  afterEach(async () => {
    answers = {};
    // each test's endpoints only: the earlier ones are gone (their history stays)
    for (const e of await repo.listEndpoints()) await repo.deleteEndpoint(e.id, new Date());
  });

  const drain = () => drainInbox({ db, sim, h, server });

  async function addEndpoint(url: string, events = ["sale.created", "sale.paid", "sale.refunded"]) {
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

  it("signs every delivery; a partial then a full refund are one sale.refunded each", async () => {
    const receiver = await startReceiver();
    const endpoint = await addEndpoint(receiver.url);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    receiver.setSecret(endpoint.secret);
    const listed = await request(h.app).get("/webhook-endpoints").set(auth).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(endpoint.secret);

    const ref = await paidSale();
    await request(h.app).post(`/orders/${ref}/refund`).set(auth).send({ amount: 1.25 }).expect(200);
    await request(h.app).post(`/orders/${ref}/refund`).set(auth).send({}).expect(200);
    await drain();
    const job = deliverer();
    for (let i = 0; i < 5; i++) await job.runOnce();

    const mine = receiver.got.filter((g) => g.ref === ref);
    expect(mine.map((g) => [g.type, g.refunded])).toEqual([
      ["sale.created", 0],
      ["sale.paid", 0],
      ["sale.refunded", 1.25],
      ["sale.refunded", 5],
    ]);
    expect(mine.every((g) => g.verified)).toBe(true);
    expect(new Set(mine.map((g) => g.id)).size).toBe(4);

    const deliveries = await request(h.app)
      .get(`/webhook-endpoints/${endpoint.id}/deliveries`)
      .set(auth)
      .expect(200);
    expect(deliveries.body.data).toHaveLength(4);
    expect(deliveries.body.data[0]).toMatchObject({ status: "succeeded", status_code: 204 });
    expect(deliveries.body.data[0].attempts[0].latency_ms).toBeGreaterThanOrEqual(0);

    // a retry sends the same event again, with its own id
    const first = deliveries.body.data[3];
    await request(h.app).post(`/webhook-deliveries/${first.id}/retry`).set(auth).expect(202);
    await job.runOnce();
    expect(receiver.got.filter((g) => g.id === first.event_id)).toHaveLength(2);
    await receiver.close();
  });

  it("a receiver down for a while gets every event once, in order per sale", async () => {
    const probe = await startReceiver();
    const port = probe.port;
    await probe.close(); // nothing listens there now
    const endpoint = await addEndpoint(`http://127.0.0.1:${port}/hooks`);
    const refs = [await paidSale(), await paidSale()];
    const job = deliverer();
    job.start();
    await waitFor(
      async () => (await db.prisma.webhookAttempt.count({ where: { statusCode: null } })) >= 4,
      5000,
      "failed attempts while the receiver is down",
    );
    const receiver = await startReceiver({ port });
    receiver.setSecret(endpoint.secret);
    await waitFor(() => receiver.got.length >= 4, 10_000, "every event after the receiver is up");
    await new Promise((r) => setTimeout(r, 300)); // nothing more comes
    await job.stop();
    for (const ref of refs) {
      const mine = receiver.got.filter((g) => g.ref === ref);
      expect(mine.map((g) => g.type)).toEqual(["sale.created", "sale.paid"]);
      expect(mine.every((g) => g.verified)).toBe(true);
    }
    expect(receiver.got).toHaveLength(4);
    await receiver.close();
  });

  it("a hanging receiver delays neither a sale's settlement nor another endpoint", async () => {
    const hanging = await startReceiver({ hang: true });
    const healthy = await startReceiver();
    await addEndpoint(hanging.url, ["sale.created", "sale.paid"]);
    const ok = await addEndpoint(healthy.url, ["sale.paid"]);
    healthy.setSecret(ok.secret);
    const job = deliverer(5000);
    job.start();
    const body = saleBody();
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    await new Promise((r) => setTimeout(r, 100)); // the hanging receiver now holds sale.created
    const started = Date.now();
    sim.sim.pay(body.pos_id, { status: "approved", amount: 5 });
    await drain();
    const sale = await request(h.app).get(`/orders/${body.external_reference}`).set(auth);
    expect(sale.body.status).toBe("paid");
    const settledMs = Date.now() - started;
    await waitFor(() => healthy.got.length === 1, 3000, "the healthy endpoint's sale.paid");
    const toHealthyMs = Date.now() - started;
    // both well inside the hanging receiver's 5 s timeout
    expect(settledMs).toBeLessThan(2000);
    expect(toHealthyMs).toBeLessThan(2500);
    expect(healthy.got[0]).toMatchObject({ type: "sale.paid", verified: true });
    await hanging.close();
    await job.stop();
    await healthy.close();
  });

  it("outside development: http, loopback, private addresses refused; a DNS answer turning private at delivery refused", async () => {
    const prod = { publicOnly: true, resolve };
    const app = buildHarness(db, {
      mpBaseUrl: sim.baseUrl,
      webhooksOut: { repo, policy: prod },
    }).app;
    const post = (url: string) =>
      request(app)
        .post("/webhook-endpoints")
        .set(auth)
        .send({ url, events: ["sale.created"] });
    answers["internal.example.com"] = ["10.1.2.3"];
    answers["hooks.example.com"] = ["93.184.216.34"];
    for (const url of [
      "http://hooks.example.com/x",
      "https://127.0.0.1/x",
      "https://[::1]/x",
      "https://169.254.169.254/latest",
      "https://192.168.1.10/x",
      "https://internal.example.com/x",
      "https://nowhere.example.com/x",
    ]) {
      const res = await post(url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const created = await post("https://hooks.example.com/x");
    expect(created.status).toBe(201);

    // the name now answers a private address: the attempt is refused before any connection
    answers["hooks.example.com"] = ["127.0.0.1"];
    await request(app).post("/sales").set(auth).send(saleBody()).expect(201);
    await deliverer(2000, prod).runOnce();
    const list = await request(app)
      .get(`/webhook-endpoints/${created.body.id}/deliveries`)
      .set(auth)
      .expect(200);
    expect(list.body.data[0]).toMatchObject({ status: "pending", status_code: null });
    expect(list.body.data[0].error).toMatch(/private or reserved address/);
  });

  it("keeps a deleted endpoint's deliveries; only full keys write", async () => {
    const receiver = await startReceiver();
    const endpoint = await addEndpoint(receiver.url);
    await request(h.app).post("/sales").set(auth).send(saleBody()).expect(201);
    await request(h.app).delete(`/webhook-endpoints/${endpoint.id}`).set(auth).expect(204);
    await request(h.app).delete(`/webhook-endpoints/${endpoint.id}`).set(auth).expect(404);
    const list = await request(h.app)
      .get(`/webhook-endpoints/${endpoint.id}/deliveries`)
      .set(auth)
      .expect(200);
    expect(list.body.data[0]).toMatchObject({
      status: "failed",
      error: "the endpoint was deleted",
    });
    const ids = (await request(h.app).get("/webhook-endpoints").set(auth)).body.data.map(
      (e: { id: string }) => e.id,
    );
    expect(ids).not.toContain(endpoint.id);
    await receiver.close();
  });
});
