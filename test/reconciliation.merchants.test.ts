import { randomBytes } from "node:crypto";
import nock from "nock";
import { pino } from "pino";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMerchantClients } from "../src/merchants/seller-clients.ts";
import { createMercadoPagoClient } from "../src/mercadopago/mercadopago.client.ts";
import { createMerchantTokenBox } from "../src/merchants/merchant-tokens.ts";
import { createMerchantsRepository } from "../src/merchants/merchants.repository.ts";
import { createStoresRepository } from "../src/stores/stores.repository.ts";
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
import { connectedMerchant } from "./merchant-helpers.ts";

// Platform mode: each store's day is searched at Mercado Pago with its own merchant's token, not
// the platform's; a merchant without a working token has its day wait, in words, while the
// others' days run; a search answered 401 (the grant revoked) disconnects that merchant.

const box = createMerchantTokenBox({ current: randomBytes(32) });
const logger = pino({ level: "silent" });
const ZONE = "America/Argentina/Buenos_Aires";
const today = () => new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date());

let db: TestDb;
let h: Harness;
let repo: ReturnType<typeof createMerchantsRepository>;

beforeAll(async () => {
  db = await createTestDb();
  repo = createMerchantsRepository(db.prisma);
  const { clients } = createMerchantClients({
    repo,
    box,
    defaultSeller: { accessToken: TOKEN, collectorId: COLLECTOR },
    clientOf: (c) =>
      createMercadoPagoClient({ baseUrl: MP_BASE, ...c, timeoutMs: 1000, logger, retries: 0 }),
    logger,
  });
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

async function storeOf(merchantId: string | null, storeId: string, mercadopagoId: string) {
  await db.prisma.store.create({
    data: {
      externalId: storeId,
      mercadopagoId,
      name: storeId,
      location: {},
      requestHash: "x",
      timeZone: ZONE,
      merchantId,
    },
  });
}

/** A merchant connected with its own token, and a store of its own. */
async function merchantWithStore(userId: string, storeId: string, mercadopagoId: string) {
  const { merchant: m, token } = await connectedMerchant({ box, repo }, userId);
  await storeOf(m.id, storeId, mercadopagoId);
  return { id: m.id, token, storeId, mercadopagoId };
}

/** Mercado Pago's payment search, answered only to `token` and only for `mercadopagoId`. */
function expectSearch(token: string, mercadopagoId: string, status = 200) {
  return nock(MP_BASE, { reqheaders: { authorization: `Bearer ${token}` } })
    .get("/v1/payments/search")
    .query((q) => q.store_id === mercadopagoId)
    .reply(
      status,
      status === 200
        ? { paging: { total: 0, limit: 50, offset: 0 }, results: [] }
        : { message: "invalid access token", status },
    );
}

const run = (store: string, date = today()) =>
  request(h.app).post(`/reconciliation/run?store_id=${store}&date=${date}`).set(auth);

describe("reconciliation per merchant (platform mode)", () => {
  it("each merchant's store is searched with that merchant's own token; the default merchant's with the platform's", async () => {
    const a = await merchantWithStore("700000001", "RMA", "9001");
    const b = await merchantWithStore("700000002", "RMB", "9002");
    await storeOf(null, "RMOWN", "9003");
    const searchA = expectSearch(a.token, a.mercadopagoId);
    const ra = await run(a.storeId);
    expect(ra.status).toBe(200);
    expect(ra.body).toMatchObject({ status: "matched", run: { ran: true } });
    expect(searchA.isDone()).toBe(true);
    const searchB = expectSearch(b.token, b.mercadopagoId);
    expect((await run(b.storeId)).status).toBe(200);
    expect(searchB.isDone()).toBe(true);
    const own = expectSearch(TOKEN, "9003");
    expect((await run("RMOWN")).status).toBe(200);
    expect(own.isDone()).toBe(true);
  });

  it("a merchant never connected: its day is refused as merchant_not_connected in words and stays owed; nothing is asked of Mercado Pago", async () => {
    const m = await repo.create("not yet");
    await storeOf(m.id, "RMNC", "9004");
    const res = await run("RMNC");
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("merchant_not_connected");
    expect(res.body.error.message).toMatch(/has not connected its Mercado Pago account yet/);
    // no run was recorded: the day is still owed, and runs once the merchant connects
    expect(await db.prisma.reconciliationRun.count({ where: { storeId: "RMNC" } })).toBe(0);
  });

  it("the nightly job: a store whose merchant cannot be read waits, the other merchants' days run", async () => {
    const c = await merchantWithStore("700000005", "RMC", "9005");
    const m = await repo.create("gone");
    await storeOf(m.id, "RMGONE", "9006");
    // every store's owed day: each connected merchant's with its own token, the gone one never
    const a = await db.prisma.store.findMany({
      where: { externalId: { in: ["RMA", "RMB", "RMOWN"] } },
      select: { externalId: true, merchantId: true, mercadopagoId: true },
    });
    const tokens = new Map<string, string>();
    for (const s of a) {
      if (s.merchantId === null) tokens.set(s.externalId, TOKEN);
      else {
        const stored = await repo.findWithTokens(s.merchantId);
        tokens.set(s.externalId, box.open(s.merchantId, stored!).accessToken);
      }
    }
    const scopes = [
      ...a.map((s) => expectSearch(tokens.get(s.externalId)!, s.mercadopagoId!)),
      expectSearch(c.token, c.mercadopagoId),
    ];
    await h.reconciliation.job.runOnce();
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(await db.prisma.reconciliationRun.count({ where: { storeId: "RMGONE" } })).toBe(0);
    expect(await db.prisma.reconciliationRun.count({ where: { storeId: "RMNC" } })).toBe(0);
  });

  it("a search answered 401 (the seller revoked the grant) marks the merchant disconnected; its next run says so", async () => {
    const d = await merchantWithStore("700000007", "RMD", "9007");
    expectSearch(d.token, d.mercadopagoId, 401);
    // the second look at the refused token (src/merchants/token-refusals.ts)
    nock(MP_BASE, { reqheaders: { authorization: `Bearer ${d.token}` } })
      .get("/users/me")
      .reply(401, { message: "invalid access token", status: 401 });
    const first = await run(d.storeId);
    expect(first.status).toBeGreaterThanOrEqual(500);
    await expect
      .poll(async () => (await repo.find(d.id))?.status, { timeout: 2000 })
      .toBe("disconnected");
    const next = await run(d.storeId);
    expect(next.status).toBe(409);
    expect(next.body.error.code).toBe("merchant_not_connected");
    expect(next.body.error.message).toMatch(/is disconnected from Mercado Pago .*401/);
  });
});
