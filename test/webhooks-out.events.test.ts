import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import { createWebhookDeliverer } from "../src/jobs/webhook-deliverer.ts";
import { createWebhookPruner } from "../src/jobs/webhook-pruner.ts";
import { createWebhooksOutRetention } from "../src/webhooks-out/webhooks-out.retention.ts";
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
import { ARTIFACTS } from "./browser.ts";
import { startReceiver } from "./webhook-receiver.ts";

// What an event says beyond the sale, and a sale's notifications both ways in its history: the
// simulator as Mercado Pago, a receiver on loopback, the outbox written by the triggers.

const STAFF_KEY = "staff-key-events-0123456789";
const POS_KEY = "pos-key-events-0123456789ab";
const SIGNING_SECRET = "signing-secret-events";
const staff = { Authorization: `Bearer ${STAFF_KEY}` };
const pos = { Authorization: `Bearer ${POS_KEY}` };

/** Mercado Pago's x-signature over a notification's data.id (written out from its docs). */
function signed(dataId: string, requestId: string) {
  const ts = Date.now();
  const v1 = createHmac("sha256", SIGNING_SECRET)
    .update(`id:${dataId};request-id:${requestId};ts:${ts};`)
    .digest("hex");
  return { "x-signature": `ts=${ts},v1=${v1}`, "x-request-id": requestId };
}

/** The ```js blocks of docs/webhooks.md, each written to a module Node can import. */
function docsExamples(): string[] {
  const doc = readFileSync("docs/webhooks.md", "utf8");
  const blocks = [...doc.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
  mkdirSync(ARTIFACTS, { recursive: true });
  return blocks.map((code, i) => {
    // under the repository, so `standardwebhooks` and `express` resolve from its node_modules
    const file = `${ARTIFACTS}/webhooks-example-${i}-${randomBytes(4).toString("hex")}.mjs`;
    writeFileSync(file, code);
    return file;
  });
}

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
    h = buildHarness(db, {
      mpBaseUrl: sim.baseUrl,
      timeoutMs: 400,
      webhooksOut: { repo, policy },
      staffApiKeys: [STAFF_KEY],
      posApiKeys: [POS_KEY],
      signingSecret: SIGNING_SECRET,
    });
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

  const paymentOf = new Map<string, string>();
  async function paidSale() {
    const body = saleBody();
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    const { payment } = sim.sim.pay(body.pos_id, { status: "approved", amount: 5 });
    paymentOf.set(body.external_reference, String(payment.id));
    await drain();
    return body.external_reference;
  }

  it("the README's verification example is the one run below from docs/webhooks.md", () => {
    const jsBlocks = (file: string) =>
      [...readFileSync(file, "utf8").matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    const readme = jsBlocks("README.md");
    expect(readme).toHaveLength(1);
    expect(readme[0]).toBe(jsBlocks("docs/webhooks.md")[0]);
  });

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

  it("a sale's history shows the notifications both ways: Mercado Pago's, read and checked, and each delivery attempt", async () => {
    const receiver = await startReceiver();
    const endpoint = await addEndpoint(receiver.url, ["sale.created", "sale.paid"]);
    receiver.setSecret(endpoint.secret);
    const ref = await paidSale();
    const job = deliverer();
    for (let i = 0; i < 3; i++) await job.runOnce(); // one event of a sale at a time

    // Mercado Pago tells of the payment again, signed this time
    const paymentId = paymentOf.get(ref)!;
    await request(h.app)
      .post(`/webhooks/mercadopago?type=payment&data.id=${paymentId}`)
      .set(signed(paymentId, "req-1"))
      .send({ type: "payment", data: { id: paymentId } })
      .expect(200);
    await drain();

    const res = await request(h.app).get(`/orders/${ref}?include=events`).set(staff).expect(200);
    const { inbound, outbound } = res.body.notifications;
    expect(inbound.length).toBeGreaterThan(0);
    for (const n of inbound) {
      expect(n.outcome).toBe("paid");
      expect(n.processed_at).not.toBeNull();
      expect(Date.parse(n.received_at)).toBeGreaterThanOrEqual(Date.parse(n.first_received_at));
    }
    const payment = inbound.find((n: { topic: string }) => n.topic === "payment");
    expect(payment).toMatchObject({ resource_id: paymentId, signature_valid: true, error: null });
    // the simulator's QR notifications come unsigned: nothing was checked
    const mo = inbound.find((n: { topic: string }) => n.topic === "merchant_order");
    expect(mo).toMatchObject({ signature_valid: null });

    expect(outbound.map((a: { event_type: string }) => a.event_type)).toEqual([
      "sale.created",
      "sale.paid",
    ]);
    for (const a of outbound) {
      expect(a).toMatchObject({
        endpoint_id: endpoint.id,
        endpoint_url: receiver.url,
        delivery_status: "succeeded",
        status_code: 204,
        error: null,
      });
      expect(a.latency_ms).toBeGreaterThanOrEqual(0);
      expect(receiver.got.map((g) => g.id)).toContain(a.event_id);
    }

    // another sale's notifications are not this one's
    const other = await paidSale();
    const again = await request(h.app).get(`/orders/${ref}?include=events`).set(staff);
    expect(again.body.notifications.inbound).toHaveLength(inbound.length);
    const theirs = await request(h.app).get(`/orders/${other}?include=events`).set(auth);
    const ids = theirs.body.notifications.inbound.map(
      (n: { resource_id: string }) => n.resource_id,
    );
    expect(ids).not.toContain(paymentId);

    // a POS key sees the sale's history without the store's endpoints
    const atPos = await request(h.app).get(`/orders/${ref}?include=events`).set(pos).expect(200);
    expect(atPos.body.events.length).toBeGreaterThan(0);
    expect(atPos.body).not.toHaveProperty("notifications");
    await receiver.close();
  });

  it("retention deletes old events with their deliveries and attempts, in bounded batches, never one still pending", async () => {
    const receiver = await startReceiver();
    const endpoint = await addEndpoint(receiver.url, ["sale.created"]);
    const create = async () => {
      const body = saleBody();
      await request(h.app).post("/sales").set(auth).send(body).expect(201);
      return body.external_reference;
    };
    const delivered = [await create(), await create(), await create()];
    const job = deliverer();
    await job.runOnce();
    const pending = await create(); // its delivery not attempted yet
    const failed = await create();
    const saleId = async (ref: string) =>
      (await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } })).id;
    await db.prisma.webhookDelivery.updateMany({
      where: { saleId: await saleId(failed) },
      data: { status: "failed", lastError: "gave up" },
    });
    // all of them 40 days old; then one new event
    const old = new Date(Date.now() - 40 * 86_400_000);
    await db.prisma.outboundEvent.updateMany({ data: { createdAt: old } });
    await db.prisma.webhookDelivery.updateMany({
      where: { lastAttemptAt: { not: null } },
      data: { lastAttemptAt: old },
    });
    await db.prisma.webhookAttempt.updateMany({ data: { at: old } });
    const recent = await create();
    expect(await db.prisma.webhookAttempt.count()).toBeGreaterThanOrEqual(3);

    const pruner = createWebhookPruner({
      retention: createWebhooksOutRetention(db.prisma),
      logger,
      now: () => new Date(),
      retentionDays: 30,
      batchSize: 1,
      batchesPerTick: 2,
    });
    const left = async () =>
      (
        await db.prisma.outboundEvent.findMany({
          select: { sale: { select: { externalReference: true } } },
        })
      ).map((e) => e.sale.externalReference);

    const before = (await left()).length;
    await pruner.runOnce(); // at most 2 events a tick
    expect(await left()).toHaveLength(before - 2);
    for (let i = 0; i < before; i++) await pruner.runOnce();
    expect((await left()).sort()).toEqual([pending, recent].sort());
    for (const ref of [...delivered, failed]) {
      expect(await db.prisma.webhookDelivery.count({ where: { saleId: await saleId(ref) } })).toBe(
        0,
      );
    }
    expect(await db.prisma.webhookAttempt.count()).toBe(0);

    // the pending event is still delivered
    receiver.setSecret(endpoint.secret);
    await job.runOnce();
    expect(receiver.got.map((g) => g.ref)).toContain(pending);
    await receiver.close();
  });

  it("the docs' verification examples (Standard Webhooks library, node:crypto) accept real deliveries and refuse forged ones", async () => {
    const [withLibrary, withCrypto] = docsExamples();
    expect(withCrypto).toBeDefined();
    // the library example: an Express app; its secret comes from the environment
    const listening: Server[] = [];
    const listen = async (handler: Parameters<typeof createServer>[1]) => {
      const srv = createServer(handler).listen(0, "127.0.0.1");
      await new Promise((r) => srv.once("listening", r));
      listening.push(srv);
      return `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hooks/pos`;
    };
    type Handler = NonNullable<Parameters<typeof createServer>[1]>;
    const example: { app?: Handler } = {}; // its port is needed before its secret exists
    const urlA = await listen((req, res) => example.app!(req, res));
    process.env.WEBHOOK_SECRET = (await addEndpoint(urlA, ["sale.created"])).secret;
    example.app = ((await import(withLibrary!)) as { app: Handler }).app;
    delete process.env.WEBHOOK_SECRET;

    // the node:crypto example: a plain server answering 204 when verify() says yes
    const { verify } = (await import(withCrypto!)) as {
      verify: (secret: string, headers: IncomingHttpHeaders, raw: string) => boolean;
    };
    let secretB = "";
    const urlB = await listen((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => res.writeHead(verify(secretB, req.headers, raw) ? 204 : 400).end());
    });
    secretB = (await addEndpoint(urlB, ["sale.created"])).secret;

    const body = saleBody();
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    await deliverer().runOnce();
    const attempts = await db.prisma.webhookAttempt.findMany({
      where: {
        delivery: {
          saleId: (
            await db.prisma.sale.findUniqueOrThrow({
              where: { externalReference: body.external_reference },
            })
          ).id,
        },
      },
      include: { delivery: { select: { endpoint: { select: { url: true } } } } },
    });
    expect(attempts.map((a) => [a.delivery.endpoint.url, a.statusCode]).sort()).toEqual(
      [
        [urlA, 204],
        [urlB, 204],
      ].sort(),
    );

    // forged: signed with another secret, or a body changed on the way
    const forged = JSON.stringify({ id: "evt_x", type: "sale.paid", data: { sale: {} } });
    const ts = Math.floor(Date.now() / 1000);
    const wrongKey = createHmac("sha256", Buffer.from("not-the-secret"))
      .update(`msg_x.${ts}.${forged}`)
      .digest("base64");
    for (const url of [urlA, urlB]) {
      const { origin, pathname } = new URL(url);
      const res = await request(origin)
        .post(pathname)
        .set({
          "content-type": "application/json",
          "webhook-id": "msg_x",
          "webhook-timestamp": String(ts),
          "webhook-signature": `v1,${wrongKey}`,
        })
        .send(forged);
      expect(res.status, url).toBe(400);
    }
    for (const srv of listening) await new Promise((r) => srv.close(r));
  });
});
