import nock from "nock";
import request from "supertest";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WEBHOOK_SECRET_PATTERN } from "../src/config/fields.ts";
import { createWebhookSecretStore } from "../src/notifications/service-secrets.repository.ts";
import { loadWebhookSecrets, webhookSecretsFrom } from "../src/notifications/webhook-secrets.ts";
import {
  MP_BASE,
  PUBLIC_BASE,
  auth,
  buildHarnessAsMain,
  createTestDb,
  expectPut,
  merchantOrder,
  saleBody,
  type TestDb,
} from "./helpers.ts";

// WEBHOOK_SECRET unset: the secret generated once and kept in the database, as main.ts loads it.

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.prisma.$executeRaw`DELETE FROM service_secrets`;
  await db.prisma.notification.deleteMany();
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const CONFIGURED = "whsec_configured_0123456789";
let moId = 40_000_000_000;

function ipn(app: Parameters<typeof request>[0], id: number, query = "") {
  return request(app)
    .post(`/webhooks/mercadopago?${query}topic=merchant_order&id=${id}`)
    .send({ resource: String(id), topic: "merchant_order" })
    .expect(200);
}

const rows = () => db.prisma.notification.count();

describe("the generated webhook secret", () => {
  it("when 8 replicas start together, then one secret is generated and all of them use it", async () => {
    const store = createWebhookSecretStore(db.prisma);
    const all = await Promise.all(Array.from({ length: 8 }, () => loadWebhookSecrets(store, [])));
    const values = new Set(all.map((s) => s.current));
    expect(values.size).toBe(1);
    const [secret] = [...values];
    expect(secret).toMatch(WEBHOOK_SECRET_PATTERN);
    expect(await db.prisma.serviceSecret.count()).toBe(1);
    // a later boot reads the same one
    expect((await loadWebhookSecrets(store, [])).current).toBe(secret);
  });

  it("goes into every order's notification_url; a delivery without it costs no row, with it one", async () => {
    const h = await buildHarnessAsMain(db, { publicBaseUrl: PUBLIC_BASE });
    const body = saleBody();
    const sent: { body?: { notification_url?: string } } = {};
    expectPut("SUC001", body.pos_id, sent);
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    expect(sent.body?.notification_url).toBe(
      `${PUBLIC_BASE}/webhooks/mercadopago?source_news=ipn&secret=${h.webhookSecrets.current}`,
    );

    await ipn(h.app, ++moId);
    await ipn(h.app, ++moId, "secret=whsec_guessed_0123456789&");
    expect(await rows()).toBe(0);
    await ipn(h.app, ++moId, `secret=${h.webhookSecrets.current}&`);
    expect(await rows()).toBe(1);
  });

  it("when WEBHOOK_SECRET is configured later, then it is current and the generated one is still accepted", async () => {
    const generated = (await loadWebhookSecrets(createWebhookSecretStore(db.prisma), [])).current;
    const h = await buildHarnessAsMain(db, { configured: [CONFIGURED] });
    expect(h.webhookSecrets).toMatchObject({ current: CONFIGURED, previous: [generated] });

    await ipn(h.app, ++moId, `secret=${generated}&`);
    await ipn(h.app, ++moId, `secret=${CONFIGURED}&`);
    await ipn(h.app, ++moId);
    expect(await rows()).toBe(2);
  });

  it("configured secrets rotate as before: the first is current, the others accepted", () => {
    const stored = { value: "generated_0123456789abcdef", createdAt: new Date() };
    expect(webhookSecretsFrom(["new_secret_0123456789", "old_secret_0123456789"], stored)).toEqual({
      current: "new_secret_0123456789",
      previous: ["old_secret_0123456789", "generated_0123456789abcdef"],
      generatedAt: null,
    });
    expect(webhookSecretsFrom(["new_secret_0123456789"], null).previous).toEqual([]);
    expect(webhookSecretsFrom([], stored)).toEqual({
      current: stored.value,
      previous: [],
      generatedAt: stored.createdAt,
    });
  });
});

describe("orders created before the secret existed (notification_url without one)", () => {
  async function saleBeforeTheSecret(h: Awaited<ReturnType<typeof buildHarnessAsMain>>) {
    const body = saleBody();
    expectPut("SUC001", body.pos_id);
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    return body.external_reference;
  }

  const sale = (ref: string) =>
    db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });

  it("when its payment notifies without the secret, then no row is stored and the reconciler settles the sale at once", async () => {
    const h = await buildHarnessAsMain(db, { publicBaseUrl: PUBLIC_BASE });
    const ref = await saleBeforeTheSecret(h);
    const id = ++moId;
    const searched = nock(MP_BASE)
      .get("/merchant_orders/search")
      .query({ external_reference: ref })
      .reply(200, {
        elements: [
          merchantOrder(id, ref, "closed", [{ id: 9, status: "approved", transaction_amount: 5 }]),
        ],
        next_offset: 0,
        total: 1,
      });
    h.sweeper.start();
    try {
      // the real notification and a burst of forged ones, all without a secret
      await Promise.all([ipn(h.app, id), ...Array.from({ length: 200 }, () => ipn(h.app, ++moId))]);
      const started = Date.now();
      while ((await sale(ref)).status !== "paid" && Date.now() - started < 3000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await h.sweeper.stop();
    }
    expect((await sale(ref)).status).toBe("paid");
    expect(searched.isDone()).toBe(true);
    expect(await rows()).toBe(0);
  });

  it("when the secret was generated longer ago than an order lives, then a delivery without it changes nothing", async () => {
    await loadWebhookSecrets(createWebhookSecretStore(db.prisma), []);
    await db.prisma.$executeRaw`UPDATE service_secrets SET created_at = now() - interval '1 hour'`;
    const h = await buildHarnessAsMain(db, { publicBaseUrl: PUBLIC_BASE });
    const ref = await saleBeforeTheSecret(h);
    await db.prisma.$executeRaw`
      UPDATE sales SET created_at = now() - interval '2 hours' WHERE external_reference = ${ref}`;
    const before = (await sale(ref)).nextCheckAt;

    await ipn(h.app, ++moId);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect((await sale(ref)).nextCheckAt).toEqual(before);
    expect(await rows()).toBe(0);
  });
});
