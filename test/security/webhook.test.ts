import { createHmac } from "node:crypto";
import type { Server } from "node:http";
import nock from "nock";
import { pino } from "pino";
import request from "supertest";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { validMercadoPagoSignature } from "../../src/mercadopago/signature.ts";
import {
  MP_BASE,
  auth,
  buildHarness,
  createTestDb,
  expectPut,
  merchantOrder,
  saleBody,
  type Harness,
  type TestDb,
} from "../helpers.ts";
import { trackUnexpectedRequests } from "./support.ts";

const WEBHOOK_SECRET = "whsec_0123456789abcdef";
const SIGNING_SECRET = "mp-signing-secret-0123456789abcdef";

let db: TestDb;
let h: Harness;
let logs: string[] = [];
const upstream = trackUnexpectedRequests();

beforeAll(async () => {
  db = await createTestDb();
  const logger = pino({ level: "trace" }, { write: (line: string) => void logs.push(line) });
  h = buildHarness(db, { webhookSecret: WEBHOOK_SECRET, signingSecret: SIGNING_SECRET, logger });
  upstream.start();
});
afterAll(async () => {
  upstream.stop();
  await db.drop();
});
beforeEach(async () => {
  logs = [];
  upstream.clear();
  await db.prisma.notification.deleteMany();
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
  expect(upstream.seen).toEqual([]);
});

function sign(manifest: { id?: string; requestId?: string; ts: string }, secret = SIGNING_SECRET) {
  const text =
    (manifest.id ? `id:${manifest.id};` : "") +
    (manifest.requestId ? `request-id:${manifest.requestId};` : "") +
    `ts:${manifest.ts};`;
  return `ts=${manifest.ts},v1=${createHmac("sha256", secret).update(text).digest("hex")}`;
}

const stored = () => db.prisma.notification.count();

function webhook(query: string, headers: Record<string, string> = {}) {
  return request(h.app)
    .post(`/webhooks/mercadopago?secret=${WEBHOOK_SECRET}&${query}`)
    .set(headers)
    .send({ type: "payment", data: { id: "900001" } });
}

describe("x-signature (MP_WEBHOOK_SIGNING_SECRET)", () => {
  const requestId = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e";
  const ts = "1704908010";

  it("a notification without the header still works: QR notifications are unsigned", async () => {
    await webhook("data.id=900001&type=payment").expect(200);
    expect(await stored()).toBe(1);
  });

  it("a correctly signed notification works", async () => {
    const signature = sign({ id: "900001", requestId, ts });
    await webhook("data.id=900001&type=payment", {
      "x-signature": signature,
      "x-request-id": requestId,
    }).expect(200);
    expect(await stored()).toBe(1);
  });

  it("an IPN signed without data.id (the manifest leaves the part out) works", async () => {
    const signature = sign({ requestId, ts });
    await request(h.app)
      .post(`/webhooks/mercadopago?secret=${WEBHOOK_SECRET}&topic=merchant_order&id=900002`)
      .set({ "x-signature": signature, "x-request-id": requestId })
      .send({ topic: "merchant_order", resource: "900002" })
      .expect(200);
    expect(await stored()).toBe(1);
  });

  const forged: [string, () => Record<string, string>, string?][] = [
    [
      "signed with another secret",
      () => ({
        "x-signature": sign({ id: "900001", requestId, ts }, "other-secret-0123456789"),
        "x-request-id": requestId,
      }),
    ],
    [
      "signed for another id",
      () => ({ "x-signature": sign({ id: "900009", requestId, ts }), "x-request-id": requestId }),
    ],
    [
      "signed for another request id",
      () => ({
        "x-signature": sign({ id: "900001", requestId: "other", ts }),
        "x-request-id": requestId,
      }),
    ],
    [
      "its ts changed",
      () => ({
        "x-signature": sign({ id: "900001", requestId, ts }).replace(ts, "1704908011"),
        "x-request-id": requestId,
      }),
    ],
    ["an empty header", () => ({ "x-signature": "" })],
    ["no v1", () => ({ "x-signature": `ts=${ts}` })],
    ["no ts", () => ({ "x-signature": `v1=${"a".repeat(64)}` })],
    ["a short v1", () => ({ "x-signature": `ts=${ts},v1=abc` })],
    ["a non-hex v1", () => ({ "x-signature": `ts=${ts},v1=${"z".repeat(64)}` })],
    [
      "a huge header",
      () => ({ "x-signature": `ts=${ts},v1=${"a".repeat(64)},x=${"b".repeat(4000)}` }),
    ],
    ["a non-numeric ts", () => ({ "x-signature": `ts=abc,v1=${"a".repeat(64)}` })],
  ];

  it.each(forged)(
    "a signature %s: 200, nothing stored, a warning without the header",
    async (_n, headers) => {
      const sent = headers();
      const res = await webhook("data.id=900001&type=payment", sent);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: true });
      expect(await stored()).toBe(0);
      const warning = logs.map((l) => JSON.parse(l)).find((l) => l.msg?.includes("x-signature"));
      expect(warning?.level).toBe(40);
      const v1 = /v1=([^,]+)/.exec(sent["x-signature"] ?? "")?.[1];
      if (v1) expect(logs.join("\n")).not.toContain(v1);
    },
  );

  it("without a signing secret configured the header is not checked", async () => {
    const plain = buildHarness(db);
    await request(plain.app)
      .post("/webhooks/mercadopago?data.id=900003&type=payment")
      .set("x-signature", "ts=1,v1=00")
      .send({})
      .expect(200);
    expect(await stored()).toBe(1);
  });

  it("the check is the documented manifest", () => {
    // manifest id:123;request-id:abc;ts:1; keyed with "secret"
    const v1 = createHmac("sha256", "secret").update("id:123;request-id:abc;ts:1;").digest("hex");
    const n = { signature: `ts=1, v1=${v1}`, requestId: "abc", dataId: "123" };
    expect(validMercadoPagoSignature(n, "secret")).toBe(true);
    expect(validMercadoPagoSignature({ ...n, dataId: "124" }, "secret")).toBe(false);
    expect(validMercadoPagoSignature({ ...n, requestId: undefined }, "secret")).toBe(false);
    expect(
      validMercadoPagoSignature({ ...n, signature: `ts=1,v1=${v1.toUpperCase()}` }, "secret"),
    ).toBe(true);
  });
});

describe("WEBHOOK_SECRET in notification_url", () => {
  it.each([
    ["missing", "topic=merchant_order&id=900004"],
    ["wrong", "secret=not-the-secret-000000&topic=merchant_order&id=900004"],
    [
      "given twice",
      `secret=${WEBHOOK_SECRET}&secret=${WEBHOOK_SECRET}&topic=merchant_order&id=900004`,
    ],
    ["a prefix", `secret=${WEBHOOK_SECRET.slice(0, -1)}&topic=merchant_order&id=900004`],
  ])("%s secret: 200 and nothing stored", async (_n, query) => {
    await request(h.app).post(`/webhooks/mercadopago?${query}`).send({}).expect(200);
    expect(await stored()).toBe(0);
    expect(logs.join("\n")).not.toContain(WEBHOOK_SECRET);
  });
});

describe("rotating the secrets without losing notifications", () => {
  const OLD = "whsec_old_0123456789abcdef";
  const NEW_SIGNING = "mp-signing-new-0123456789abcdef";
  let rotated: ReturnType<typeof createApp>;
  beforeAll(() => {
    rotated = createApp({
      logger: pino({ level: "silent" }),
      sales: h.sales,
      recordNotification: async (ref) => {
        await db.prisma.notification.create({
          data: { topic: ref.topic, resourceId: String(ref.id) },
        });
      },
      ping: async () => undefined,
      config: {
        apiKeys: [],
        webhookSecret: WEBHOOK_SECRET,
        previousWebhookSecrets: [OLD],
        webhookSigningSecrets: [NEW_SIGNING, SIGNING_SECRET],
        rateLimitPerMinute: undefined,
      },
    });
  });

  it.each([
    ["the current secret", WEBHOOK_SECRET, 1],
    ["the previous secret (orders created before the rotation)", OLD, 1],
    ["a secret that was never configured", "whsec_never_0123456789abc", 0],
  ])("a notification with %s → stored %i", async (_n, secret, count) => {
    await request(rotated)
      .post(`/webhooks/mercadopago?secret=${secret}&topic=merchant_order&id=900010`)
      .send({})
      .expect(200);
    expect(await stored()).toBe(count);
  });

  it.each([
    ["the new signing secret", NEW_SIGNING, 1],
    ["the old signing secret", SIGNING_SECRET, 1],
    ["another secret", "mp-signing-other-0123456789abcd", 0],
  ])("a notification signed with %s → stored %i", async (_n, key, count) => {
    const signature = sign({ id: "900011", requestId: "r-9", ts: "1704908010" }, key);
    await request(rotated)
      .post(`/webhooks/mercadopago?secret=${WEBHOOK_SECRET}&data.id=900011&type=payment`)
      .set({ "x-signature": signature, "x-request-id": "r-9" })
      .send({})
      .expect(200);
    expect(await stored()).toBe(count);
  });
});

describe("a flood of notifications for one id", () => {
  let server: Server;
  beforeAll(() => {
    server = h.app.listen(0);
  });
  afterAll(() => {
    server.close();
  });

  it("200 deliveries cost one row and one read at Mercado Pago (and the paid sale's payment, once, for its details)", async () => {
    const body = saleBody();
    expectPut("SUC001", body.pos_id);
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    const id = 31_000_000_001;

    for (let batch = 0; batch < 8; batch++) {
      const replies = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          request(server)
            .post(
              batch % 2 === 0
                ? `/webhooks/mercadopago?secret=${WEBHOOK_SECRET}&topic=merchant_order&id=${id}`
                : `/webhooks/mercadopago?secret=${WEBHOOK_SECRET}&data.id=${id}&type=topic_merchant_order_wh`,
            )
            .send({ resource: `https://api.mercadolibre.com/merchant_orders/${id}`, n: i }),
        ),
      );
      expect(replies.every((r) => r.status === 200)).toBe(true);
    }

    const rows = await db.prisma.notification.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.deliveries).toBe(200);

    const read = nock(MP_BASE)
      .get(`/merchant_orders/${id}`)
      .reply(
        200,
        merchantOrder(id, body.external_reference, "closed", [
          { id: 1, status: "approved", transaction_amount: 5 },
        ]),
      );
    const details = nock(MP_BASE)
      .get("/v1/payments/1")
      .once()
      .reply(200, { id: 1, status: "approved", payment_method_id: "account_money" });
    await h.worker.runOnce();
    await h.worker.runOnce();

    expect(read.isDone()).toBe(true);
    expect(details.isDone()).toBe(true);
    const row = await db.prisma.notification.findFirstOrThrow();
    expect(row.processedAt).not.toBeNull();
    const sale = await db.prisma.sale.findUniqueOrThrow({
      where: { externalReference: body.external_reference },
    });
    expect(sale.status).toBe("paid");
  });
});
