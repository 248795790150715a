import { randomBytes } from "node:crypto";
import nock from "nock";
import { pino } from "pino";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMerchantTokenBox } from "../src/merchants/merchant-tokens.ts";
import { createMerchantsRepository } from "../src/merchants/merchants.repository.ts";
import { createMerchantClients } from "../src/merchants/seller-clients.ts";
import { REFUSED_TOKEN_REASON } from "../src/merchants/token-refusals.ts";
import { createMercadoPagoClient } from "../src/mercadopago/mercadopago.client.ts";
import { createStoresRepository } from "../src/stores/stores.repository.ts";
import {
  COLLECTOR,
  MP_BASE,
  TOKEN,
  auth,
  buildHarness,
  createTestDb,
  merchantOrder,
  saleBody,
  type Harness,
  type TestDb,
} from "./helpers.ts";
import { merchantWithPos as withPos } from "./merchant-fixtures.ts";

// A merchant's token that Mercado Pago refuses on a call (the seller revoked the application's
// access mid-day) is looked at once more with GET /users/me; refused again, the merchant is
// disconnected and its POS answer merchant_not_connected in words, while another's go on.

const box = createMerchantTokenBox({ current: randomBytes(32) });
const logger = pino({ level: "silent" });

let db: TestDb;
let h: Harness;
let repo: ReturnType<typeof createMerchantsRepository>;
let refusals: ReturnType<typeof createMerchantClients>["refusals"];

beforeAll(async () => {
  db = await createTestDb();
  repo = createMerchantsRepository(db.prisma);
  const made = createMerchantClients({
    repo,
    box,
    defaultSeller: { accessToken: TOKEN, collectorId: COLLECTOR },
    clientOf: (c) =>
      createMercadoPagoClient({ baseUrl: MP_BASE, ...c, timeoutMs: 1000, logger, retries: 0 }),
    logger,
  });
  refusals = made.refusals;
  const stores = createStoresRepository(db.prisma);
  h = buildHarness(db, {
    routing: {
      merchantOfPos: (posId) => stores.merchantOfPos(posId),
      merchantOfOrder: async () => null,
      clientFor: (id) => made.clients.clientFor(id),
    },
  });
});
afterAll(async () => db?.drop());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const merchantWithPos = (userId: string) => withPos(db, repo, box, userId, "R");

const putPath = (s: { userId: string; storeId: string; posId: string }) =>
  `/instore/qr/seller/collectors/${s.userId}/stores/${s.storeId}/pos/${s.posId}/orders`;

const refused401 = { error: "unauthorized", message: "invalid access token", status: 401 };

function seller(token: string) {
  return nock(MP_BASE, { reqheaders: { authorization: `Bearer ${token}` } });
}

async function statusOf(merchantId: string) {
  return (await repo.find(merchantId))?.status;
}

describe("a merchant's token refused mid-day", () => {
  it("refused again by GET /users/me: the merchant is disconnected, its next sale refused in words, another's untouched", async () => {
    const a = await merchantWithPos("710000001");
    const b = await merchantWithPos("710000002");
    seller(a.token).put(putPath(a)).reply(401, refused401);
    seller(a.token).get("/users/me").reply(401, refused401);
    const failed = await request(h.app)
      .post("/sales")
      .set(auth)
      .send(saleBody({ store_id: a.storeId, pos_id: a.posId }));
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe("mercadopago_rejected");
    await expect.poll(() => statusOf(a.merchant.id), { timeout: 5000 }).toBe("disconnected");
    expect((await repo.find(a.merchant.id))?.disconnectedReason).toBe(REFUSED_TOKEN_REASON);
    // the tokens are forgotten with the connection
    expect(await repo.findWithTokens(a.merchant.id)).toBeNull();

    const next = saleBody({ store_id: a.storeId, pos_id: a.posId });
    const refused = await request(h.app).post("/sales").set(auth).send(next);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("merchant_not_connected");
    expect(refused.body.error.message).toContain("is disconnected from Mercado Pago");
    expect(
      await db.prisma.sale.count({ where: { externalReference: next.external_reference } }),
    ).toBe(0);

    seller(b.token).put(putPath(b)).reply(204);
    const fine = await request(h.app)
      .post("/sales")
      .set(auth)
      .send(saleBody({ store_id: b.storeId, pos_id: b.posId }));
    expect(fine.status).toBe(201);
    expect(await statusOf(b.merchant.id)).toBe("connected");
  });

  it("a 401 that GET /users/me does not repeat, or cannot tell, keeps the merchant connected", async () => {
    const a = await merchantWithPos("710000003");
    seller(a.token).get("/users/me").reply(200, { id: 710000003, site_id: "MLA" });
    expect(await refusals.refused(a.merchant.id, a.token)).toBe(false);
    seller(a.token).get("/users/me").reply(503, { message: "unavailable" });
    expect(await refusals.refused(a.merchant.id, a.token)).toBe(false);
    expect(await statusOf(a.merchant.id)).toBe("connected");
  });

  it("a token refreshed meanwhile is not the one refused: the merchant stays connected", async () => {
    const a = await merchantWithPos("710000004");
    const old = a.token;
    const fresh = box.seal(a.merchant.id, {
      accessToken: `APP_USR-710000004-${randomBytes(12).toString("hex")}`,
      refreshToken: "TG-710000004-2",
      expiresAt: new Date(Date.now() + 180 * 86_400_000),
    });
    await repo.connect(
      a.merchant.id,
      { ...fresh, mercadopagoUserId: a.userId, site: "MLA" },
      new Date(),
    );
    seller(old).get("/users/me").reply(401, refused401);
    expect(await refusals.refused(a.merchant.id, old)).toBe(false);
    expect(await statusOf(a.merchant.id)).toBe("connected");
  });

  it("many calls refused at once cost one look", async () => {
    const a = await merchantWithPos("710000005");
    seller(a.token).get("/users/me").once().reply(401, refused401);
    const looks = await Promise.all(
      [1, 2, 3, 4].map(() => refusals.refused(a.merchant.id, a.token)),
    );
    expect(looks).toEqual([true, true, true, true]);
    expect(await statusOf(a.merchant.id)).toBe("disconnected");
  });

  it("a pending sale of a merchant disconnected meanwhile waits, and settles once it connects again", async () => {
    const a = await merchantWithPos("710000006");
    seller(a.token).put(putPath(a)).reply(204);
    const body = saleBody({ store_id: a.storeId, pos_id: a.posId });
    expect((await request(h.app).post("/sales").set(auth).send(body)).status).toBe(201);
    const ref = body.external_reference;
    await repo.markDisconnected(a.merchant.id, "the seller revoked the access");
    const due = () =>
      db.prisma.sale.update({
        where: { externalReference: ref },
        data: { nextCheckAt: new Date(Date.now() - 1000) },
      });

    // no token to read it with: no call, the sale neither failed nor expired, checked again later
    await due();
    await h.sweeper.runOnce();
    const waiting = await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } });
    expect(waiting.status).toBe("pending");
    expect(waiting.nextCheckAt!.getTime()).toBeGreaterThan(Date.now());

    // connected again (a new token): the customer's payment is read with it and the sale is paid
    const token = `APP_USR-710000006-${randomBytes(12).toString("hex")}`;
    const sealed = box.seal(a.merchant.id, {
      accessToken: token,
      refreshToken: "TG-710000006-2",
      expiresAt: new Date(Date.now() + 180 * 86_400_000),
    });
    await repo.connect(
      a.merchant.id,
      { ...sealed, mercadopagoUserId: a.userId, site: "MLA" },
      new Date(),
    );
    seller(token)
      .get("/merchant_orders/search")
      .query({ external_reference: ref })
      .reply(200, {
        elements: [
          merchantOrder(91000001, ref, "closed", [
            { id: 1, status: "approved", transaction_amount: 5 },
          ]),
        ],
        next_offset: 0,
        total: 1,
      });
    await due();
    await h.sweeper.runOnce();
    expect(
      (await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } })).status,
    ).toBe("paid");
  });
});
