import nock from "nock";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  COLLECTOR,
  MP_BASE,
  TOKEN,
  auth,
  buildHarness,
  createTestDb,
  type Harness,
  type TestDb,
} from "./helpers.ts";
import { connectedMerchant as connect, platformOf, type Platform } from "./merchant-helpers.ts";

// POST /stores in platform mode: the store is made at its merchant's Mercado Pago account, with
// that merchant's token and user id; without merchant_id, at the default merchant's, as before.

const SELLER = "700000001";
const SELLER_TOKEN = `APP_USR-${SELLER}-0123456789abcdef0123456789abcdef`;

let db: TestDb;
let h: Harness;
let single: Harness;
let platform: Platform;
let repo: Platform["repo"];

beforeAll(async () => {
  db = await createTestDb();
  platform = platformOf(db);
  repo = platform.repo;
  const clients = platform.clients;
  h = buildHarness(db, { mpFor: (id) => clients.clientFor(id) });
  single = buildHarness(db);
});
afterAll(async () => db?.drop());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

async function connectedMerchant(userId = SELLER, token = SELLER_TOKEN) {
  return (await connect(platform, userId, { token })).merchant;
}

const body = (externalId: string, merchantId?: string) => ({
  external_id: externalId,
  name: "Sucursal",
  location: {
    street_number: "1",
    street_name: "Calle",
    city_name: "Ciudad",
    state_name: "Estado",
    latitude: -34.6,
    longitude: -58.4,
  },
  ...(merchantId ? { merchant_id: merchantId } : {}),
});

const mpStore = (externalId: string, id: string) => ({
  id,
  name: "Sucursal",
  external_id: externalId,
});

describe("stores of merchants (platform mode)", () => {
  it("a store with merchant_id is made at that merchant's account, with its token", async () => {
    const m = await connectedMerchant();
    const seller = { reqheaders: { authorization: `Bearer ${SELLER_TOKEN}` } };
    nock(MP_BASE, seller)
      .get(`/users/${SELLER}/stores/search`)
      .query(true)
      .reply(200, { results: [] });
    nock(MP_BASE, seller).post(`/users/${SELLER}/stores`).reply(200, mpStore("MSUC1", "9001"));
    const res = await request(h.app).post("/stores").set(auth).send(body("MSUC1", m.id));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      external_id: "MSUC1",
      merchant_id: m.id,
      mercadopago_store_id: "9001",
    });
    // its POS too
    nock(MP_BASE, seller).get("/pos").query(true).reply(200, { results: [] });
    nock(MP_BASE, seller).post("/pos").reply(200, {
      id: 55,
      external_id: "MCAJA1",
      external_store_id: "MSUC1",
      store_id: 9001,
      qr: {},
    });
    const pos = await request(h.app)
      .post("/stores/MSUC1/pos")
      .set(auth)
      .send({ external_id: "MCAJA1", name: "Caja" });
    expect(pos.status).toBe(201);
  });

  it("without merchant_id the store is the default merchant's, with MP_ACCESS_TOKEN", async () => {
    const own = { reqheaders: { authorization: `Bearer ${TOKEN}` } };
    nock(MP_BASE, own)
      .get(`/users/${COLLECTOR}/stores/search`)
      .query(true)
      .reply(200, { results: [] });
    nock(MP_BASE, own).post(`/users/${COLLECTOR}/stores`).reply(200, mpStore("DSUC1", "9002"));
    const res = await request(h.app).post("/stores").set(auth).send(body("DSUC1"));
    expect(res.status).toBe(201);
    expect(res.body.merchant_id).toBeNull();
  });

  it("a merchant not connected is refused in words, an unknown one is 404, and nothing is made", async () => {
    const m = await repo.create("never connected");
    const res = await request(h.app).post("/stores").set(auth).send(body("MSUC2", m.id));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("merchant_not_connected");
    expect(res.body.error.message).toMatch(/has not connected its Mercado Pago account yet/);
    const unknown = await request(h.app)
      .post("/stores")
      .set(auth)
      .send(body("MSUC3", crypto.randomUUID()));
    expect(unknown.status).toBe(404);
    expect(await db.prisma.store.count({ where: { externalId: { in: ["MSUC2", "MSUC3"] } } })).toBe(
      0,
    );
  });

  it("a disconnected merchant's store takes no new POS", async () => {
    const m = await connectedMerchant("700000009", "APP_USR-700000009-ffffffffffffffffffffffff");
    const seller = {
      reqheaders: { authorization: "Bearer APP_USR-700000009-ffffffffffffffffffffffff" },
    };
    nock(MP_BASE, seller)
      .get("/users/700000009/stores/search")
      .query(true)
      .reply(200, { results: [] });
    nock(MP_BASE, seller).post("/users/700000009/stores").reply(200, mpStore("MSUC4", "9004"));
    await request(h.app).post("/stores").set(auth).send(body("MSUC4", m.id)).expect(201);
    await repo.disconnect(m.id, "disconnected by the platform");
    const pos = await request(h.app)
      .post("/stores/MSUC4/pos")
      .set(auth)
      .send({ external_id: "MCAJA4", name: "Caja" });
    expect(pos.status).toBe(409);
    expect(pos.body.error.message).toMatch(
      /is disconnected from Mercado Pago \(disconnected by the platform\)/,
    );
  });

  it("outside platform mode merchant_id is refused", async () => {
    const res = await request(single.app)
      .post("/stores")
      .set(auth)
      .send(body("MSUC5", crypto.randomUUID()));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/merchant_id: is only taken in platform mode/);
  });
});
