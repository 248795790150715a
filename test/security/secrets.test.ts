import { createHmac } from "node:crypto";
import nock from "nock";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import {
  API_KEY,
  MP_BASE,
  TOKEN,
  auth,
  buildHarness,
  createTestDb,
  expectPut,
  merchantOrder,
  posPath,
  putPath,
  saleBody,
  type Harness,
  type TestDb,
} from "../helpers.ts";
import { trackUnexpectedRequests } from "./support.ts";

const WEBHOOK_SECRET = "whsec_leak_0123456789abcdef";
const SIGNING_SECRET = "mp-signing-leak-0123456789abcdef";
const STAFF_KEY = "staff-leak-key-0123456789abcdef";
const POS_KEY = "pos-leak-key-0123456789abcdef";
const SECRETS = { TOKEN, API_KEY, WEBHOOK_SECRET, SIGNING_SECRET, STAFF_KEY, POS_KEY };

let db: TestDb;
let h: Harness;
const lines: string[] = [];
/** everything the service said to clients: status lines, headers, bodies */
const said: string[] = [];
const upstream = trackUnexpectedRequests();

beforeAll(async () => {
  db = await createTestDb();
  const logger = createLogger("trace", { write: (line: string) => void lines.push(line) });
  h = buildHarness(db, {
    logger,
    webhookSecret: WEBHOOK_SECRET,
    signingSecret: SIGNING_SECRET,
    staffApiKeys: [STAFF_KEY],
    posApiKeys: [`${POS_KEY}@SUC001/*`],
    timeoutMs: 300,
  });
  upstream.start();
});
afterAll(async () => {
  upstream.stop();
  await db.drop();
});
afterEach(() => {
  nock.cleanAll();
});

async function heard(call: request.Test): Promise<request.Response> {
  const res = await call;
  said.push(`${res.status} ${JSON.stringify(res.headers)} ${res.text}`);
  return res;
}

describe("secrets never leave the service", () => {
  it("a full flow logged at trace level shows no token, key or secret anywhere", async () => {
    // 1. a sale is created; its order carries the webhook secret to Mercado Pago, as it must
    const paid = saleBody();
    const sent: { body?: { notification_url?: string } } = {};
    expectPut("SUC001", paid.pos_id, sent);
    const created = await heard(request(h.app).post("/sales").set(auth).send(paid));
    expect(created.status).toBe(201);
    expect(sent.body?.notification_url).toContain(`secret=${WEBHOOK_SECRET}`);

    // 2. Mercado Pago notifies (signed), the worker reads the merchant order: paid
    const moId = 41_000_000_001;
    const requestId = "6f1b2c3d-0000-4000-8000-000000000001";
    const manifest = `id:${moId};request-id:${requestId};ts:1704908010;`;
    const v1 = createHmac("sha256", SIGNING_SECRET).update(manifest).digest("hex");
    await heard(
      request(h.app)
        .post(`/webhooks/mercadopago?secret=${WEBHOOK_SECRET}&data.id=${moId}&type=merchant_order`)
        .set({ "x-signature": `ts=1704908010,v1=${v1}`, "x-request-id": requestId })
        .send({ type: "merchant_order", data: { id: String(moId) } }),
    );
    nock(MP_BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get(`/merchant_orders/${moId}`)
      .reply(
        200,
        merchantOrder(moId, paid.external_reference, "closed", [
          { id: 7, status: "approved", transaction_amount: 5 },
        ]),
      );
    // once paid, its payment is read for how it was paid (the merchant order lists none of it)
    nock(MP_BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get("/v1/payments/7")
      .reply(200, { id: 7, status: "approved", payment_method_id: "visa" });
    await h.worker.runOnce();
    const read = await heard(
      request(h.app)
        .get(`/orders/${paid.external_reference}?include=events`)
        .set("Authorization", `Bearer ${STAFF_KEY}`),
    );
    expect(read.body.status).toBe("paid");

    // 3. another sale is cancelled by its POS
    const cancelled = saleBody();
    expectPut("SUC001", cancelled.pos_id);
    await heard(
      request(h.app).post("/sales").set("Authorization", `Bearer ${POS_KEY}`).send(cancelled),
    );
    nock(MP_BASE)
      .get(posPath(cancelled.pos_id))
      .reply(200, { external_reference: cancelled.external_reference });
    nock(MP_BASE).delete(posPath(cancelled.pos_id)).reply(204);
    nock(MP_BASE).get("/merchant_orders/search").query(true).reply(200, { elements: [] });
    const cancel = await heard(
      request(h.app)
        .delete(`/orders/${cancelled.external_reference}`)
        .set("Authorization", `Bearer ${POS_KEY}`),
    );
    expect(cancel.body.status).toBe("cancelled");

    // 4. Mercado Pago fails, and its messages quote our token back
    const refused = saleBody();
    nock(MP_BASE)
      .put(putPath("SUC001", refused.pos_id))
      .reply(401, { error: `bad token ${TOKEN}`, message: `invalid access token ${TOKEN}` });
    const rejected = await heard(request(h.app).post("/sales").set(auth).send(refused));
    expect(rejected.status).toBe(502);
    expect(rejected.body.error.message).toContain("[redacted]");

    const moFailing = 41_000_000_002;
    await heard(
      request(h.app)
        .post(`/webhooks/mercadopago?secret=${WEBHOOK_SECRET}&topic=merchant_order&id=${moFailing}`)
        .send({}),
    );
    nock(MP_BASE)
      .get(`/merchant_orders/${moFailing}`)
      .times(3)
      .reply(500, { message: `upstream trace: Authorization: Bearer ${TOKEN}` });
    await h.worker.runOnce();
    const row = await db.prisma.notification.findFirstOrThrow({
      where: { resourceId: String(moFailing) },
    });
    expect(row.lastError).toContain("[redacted]");

    nock(MP_BASE).get("/merchant_orders/search").query(true).times(3).reply(503, "<html/>");
    await heard(request(h.app).post(`/orders/${paid.external_reference}/refresh`).set(auth));

    // 5. callers who put credentials where they do not belong
    await heard(
      request(h.app).get(
        `/orders/${paid.external_reference}?access_token=${TOKEN}&api_key=${API_KEY}&token=${TOKEN}`,
      ),
    );
    await heard(request(h.app).get("/orders/x").set("Authorization", `Bearer ${TOKEN}`));
    await heard(request(h.app).get("/orders/x").set("Cookie", `session=${API_KEY}`));
    await heard(
      request(h.app)
        .post(`/webhooks/mercadopago?secret=${WEBHOOK_SECRET}X&topic=merchant_order&id=1`)
        .send({}),
    );
    await heard(
      request(h.app)
        .post(`/webhooks/mercadopago?secret=${WEBHOOK_SECRET}&data.id=1&type=payment`)
        .set("x-signature", `ts=1,v1=${"0".repeat(64)}`)
        .send({}),
    );

    // The capture worked and saw the whole flow, debug and trace included...
    const log = lines.join("");
    expect(lines.length).toBeGreaterThan(20);
    expect(log).toContain('"level":20');
    expect(log).toContain("mercadopago call");
    expect(log).toContain("[redacted]");
    // ...and none of the secrets is in it, nor in anything said to a client, nor in the database.
    const stored = JSON.stringify(
      [
        await db.prisma.sale.findMany(),
        await db.prisma.saleEvent.findMany(),
        await db.prisma.notification.findMany(),
      ],
      (_k, v) => (typeof v === "bigint" ? String(v) : v),
    );
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(log.includes(secret), `${name} in the logs`).toBe(false);
      expect(said.join("\n").includes(secret), `${name} in a response`).toBe(false);
      expect(stored.includes(secret), `${name} in the database`).toBe(false);
    }
    expect(upstream.seen).toEqual([]);
  });

  it("redaction blanks every credential key, nested up to three levels", () => {
    const out: string[] = [];
    const logger = createLogger("trace", { write: (l: string) => void out.push(l) });
    const creds = {
      authorization: `Bearer ${API_KEY}`,
      access_token: TOKEN,
      token: TOKEN,
      MP_ACCESS_TOKEN: TOKEN,
      accessToken: TOKEN,
      webhookSecret: WEBHOOK_SECRET,
      signingSecret: SIGNING_SECRET,
      apiKeys: [API_KEY],
      staffApiKeys: [STAFF_KEY],
      posApiKeys: [POS_KEY],
    };
    logger.info(creds, "top level");
    logger.info({ nested: creds }, "one down");
    logger.info({ config: { mercadoPago: creds } }, "two down");
    logger.info({
      req: { headers: { authorization: `Bearer ${API_KEY}`, "x-signature": "v1=abc" } },
    });
    const err = Object.assign(new Error("request failed"), {
      config: { headers: { Authorization: `Bearer ${TOKEN}` } },
    });
    logger.error({ err }, "an HTTP client error");
    const text = out.join("");
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).not.toContain("v1=abc");
    expect(out).toHaveLength(5);
  });
});
