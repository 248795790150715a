import nock from "nock";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createStoresRepository } from "../src/stores/stores.repository.ts";
import {
  MP_BASE,
  auth,
  buildHarness,
  createTestDb,
  expectPut,
  saleBody,
  uniquePos,
  type Harness,
  type TestDb,
} from "./helpers.ts";
import { connectedMerchant, platformOf, type Platform } from "./merchant-helpers.ts";

// A sale on a merchant's POS is published at that merchant's account, with its token and user id;
// a merchant disconnected mid-day has its sales refused in words while another's go on.

let db: TestDb;
let h: Harness;
let platform: Platform;
let repo: Platform["repo"];

beforeAll(async () => {
  db = await createTestDb();
  platform = platformOf(db, { retries: 0 });
  repo = platform.repo;
  const clients = platform.clients;
  const stores = createStoresRepository(db.prisma);
  h = buildHarness(db, {
    routing: {
      merchantOfPos: (posId) => stores.merchantOfPos(posId),
      merchantOfOrder: async () => null,
      clientFor: (id) => clients.clientFor(id),
    },
  });
});
afterAll(async () => db?.drop());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

/** A connected merchant with one store and POS of its own. */
async function merchantWithPos(userId: string) {
  const { merchant: m, token } = await connectedMerchant(platform, userId);
  const storeId = `M${userId}`;
  const posId = uniquePos();
  await db.prisma.store.create({
    data: {
      externalId: storeId,
      mercadopagoId: "1",
      name: "s",
      location: {},
      requestHash: "x",
      merchantId: m.id,
    },
  });
  await db.prisma.pos.create({
    data: {
      externalId: posId,
      storeExternalId: storeId,
      mercadopagoId: 1n,
      name: "p",
      requestHash: "x",
    },
  });
  return { merchant: m, token, userId, storeId, posId };
}

function expectSellerPut(s: { token: string; userId: string; storeId: string; posId: string }) {
  return nock(MP_BASE, { reqheaders: { authorization: `Bearer ${s.token}` } })
    .put(`/instore/qr/seller/collectors/${s.userId}/stores/${s.storeId}/pos/${s.posId}/orders`)
    .reply(204);
}

describe("sales of merchants (platform mode)", () => {
  it("each merchant's sale is published at its own account; the default merchant's as before", async () => {
    const a = await merchantWithPos("700000001");
    const b = await merchantWithPos("700000002");
    expectSellerPut(a);
    const sa = await request(h.app)
      .post("/sales")
      .set(auth)
      .send(saleBody({ store_id: a.storeId, pos_id: a.posId }));
    expect(sa.status).toBe(201);
    expectSellerPut(b);
    const sb = await request(h.app)
      .post("/sales")
      .set(auth)
      .send(saleBody({ store_id: b.storeId, pos_id: b.posId }));
    expect(sb.status).toBe(201);
    const own = saleBody();
    expectPut(own.store_id, own.pos_id);
    expect((await request(h.app).post("/sales").set(auth).send(own)).status).toBe(201);
  });

  it("a merchant disconnected mid-day: its sales refused in words, nothing stored; another's untouched", async () => {
    const a = await merchantWithPos("700000003");
    const b = await merchantWithPos("700000004");
    await repo.markDisconnected(
      a.merchant.id,
      "Mercado Pago refused the refresh (the seller revoked the access)",
    );
    const body = saleBody({ store_id: a.storeId, pos_id: a.posId });
    const refused = await request(h.app).post("/sales").set(auth).send(body);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("merchant_not_connected");
    expect(refused.body.error.message).toMatch(
      /is disconnected from Mercado Pago \(Mercado Pago refused the refresh/,
    );
    expect(
      await db.prisma.sale.count({ where: { externalReference: body.external_reference } }),
    ).toBe(0);
    expectSellerPut(b);
    const fine = await request(h.app)
      .post("/sales")
      .set(auth)
      .send(saleBody({ store_id: b.storeId, pos_id: b.posId }));
    expect(fine.status).toBe(201);
  });

  it("a revoked token Mercado Pago refuses (401) fails that sale only as mercadopago_rejected", async () => {
    const a = await merchantWithPos("700000005");
    nock(MP_BASE, { reqheaders: { authorization: `Bearer ${a.token}` } })
      .put(`/instore/qr/seller/collectors/${a.userId}/stores/${a.storeId}/pos/${a.posId}/orders`)
      .reply(401, { error: "unauthorized", message: "invalid access token", status: 401 });
    const res = await request(h.app)
      .post("/sales")
      .set(auth)
      .send(saleBody({ store_id: a.storeId, pos_id: a.posId }));
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("mercadopago_rejected");
  });
});
