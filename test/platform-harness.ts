import { randomBytes } from "node:crypto";
import nock from "nock";
import { pino } from "pino";
import request from "supertest";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { createMerchantCredentials } from "../src/merchants/merchant-credentials.ts";
import { createMerchantOfSeller } from "../src/merchants/merchant-of-seller.ts";
import { createMerchantTokenBox } from "../src/merchants/merchant-tokens.ts";
import { createMerchantsRepository } from "../src/merchants/merchants.repository.ts";
import { createMercadoPagoClient } from "../src/mercadopago/mercadopago.client.ts";
import { createSellerClients } from "../src/mercadopago/seller-credentials.ts";
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
  uniquePos,
  type Harness,
  type TestDb,
} from "./helpers.ts";

// Platform mode for the notification tests: connected merchants with a store and POS each, the
// harness routing every sale and notification to its merchant, and Mercado Pago as nock, which
// shows the token of every call.

export const SECRET = "hook-secret-0123456789";
export const SIGNING = "signing-secret-0123456789";
const box = createMerchantTokenBox({ current: randomBytes(32) });

export interface Seller {
  merchant: { id: string };
  token: string;
  userId: string;
  storeId: string;
  posId: string;
}

/** Nock answering only calls made with `token`. */
export const as = (token: string) =>
  nock(MP_BASE, { reqheaders: { authorization: `Bearer ${token}` } });

let ids = 61_000_000_000;
export const nextId = () => ++ids;
let users = 710_000_000;

/**
 * A fresh database and platform harness for the file (`opts` as buildHarness's); after each test
 * every expected Mercado Pago call must have been made.
 */
export function usePlatformHarness(opts: Parameters<typeof buildHarness>[1] = {}) {
  const logger = pino({ level: "silent" });
  const t = {} as {
    db: TestDb;
    h: Harness;
    repo: ReturnType<typeof createMerchantsRepository>;
  };
  beforeAll(async () => {
    t.db = await createTestDb();
    t.repo = createMerchantsRepository(t.db.prisma);
    const clients = createSellerClients(
      createMerchantCredentials({
        repo: t.repo,
        box,
        defaultSeller: { accessToken: TOKEN, collectorId: COLLECTOR },
      }),
      (c) =>
        createMercadoPagoClient({ baseUrl: MP_BASE, ...c, timeoutMs: 1000, logger, retries: 0 }),
    );
    const stores = createStoresRepository(t.db.prisma);
    t.h = buildHarness(t.db, {
      webhookSecret: SECRET,
      signingSecret: SIGNING,
      routing: {
        merchantOfPos: (posId) => stores.merchantOfPos(posId),
        merchantOfOrder: async () => null,
        clientFor: (id) => clients.clientFor(id),
      },
      merchantOfSeller: createMerchantOfSeller({ repo: t.repo, defaultUserId: COLLECTOR }),
      ...opts,
    });
  });
  afterAll(async () => t.db?.drop());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });

  /** A connected merchant with one store and POS of its own. */
  async function merchantWithPos(): Promise<Seller> {
    const userId = String(++users);
    const token = `APP_USR-${userId}-${randomBytes(12).toString("hex")}`;
    const m = await t.repo.create(`merchant ${userId}`);
    const sealed = box.seal(m.id, {
      accessToken: token,
      refreshToken: `TG-${userId}`,
      expiresAt: new Date(Date.now() + 100 * 86_400_000),
    });
    await t.repo.connect(m.id, { ...sealed, mercadopagoUserId: userId, site: "MLA" }, new Date());
    const storeId = `M${userId}`;
    const posId = uniquePos();
    await t.db.prisma.store.create({
      data: {
        externalId: storeId,
        mercadopagoId: "1",
        name: "s",
        location: {},
        requestHash: "x",
        merchantId: m.id,
      },
    });
    await t.db.prisma.pos.create({
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

  /** A pending sale on the seller's POS; resolves with its reference and the notification_url sent. */
  async function saleOf(s: Seller): Promise<{ ref: string; notificationUrl: string }> {
    const sent: { body?: { notification_url?: string } } = {};
    as(s.token)
      .put(
        `/instore/qr/seller/collectors/${s.userId}/stores/${s.storeId}/pos/${s.posId}/orders`,
        (b) => {
          sent.body = b as { notification_url?: string };
          return true;
        },
      )
      .reply(204);
    const body = saleBody({ store_id: s.storeId, pos_id: s.posId });
    await request(t.h.app).post("/sales").set(auth).send(body).expect(201);
    return { ref: body.external_reference, notificationUrl: sent.body?.notification_url ?? "" };
  }

  /** An IPN as Mercado Pago sends it to the notification_url (merchant: its `merchant`). */
  function ipn(id: number, query = "") {
    return request(t.h.app)
      .post(
        `/webhooks/mercadopago?source_news=ipn&secret=${SECRET}${query}&topic=merchant_order&id=${id}`,
      )
      .send({
        resource: `https://api.mercadolibre.com/merchant_orders/${id}`,
        topic: "merchant_order",
      })
      .expect(200);
  }

  const statusOf = async (ref: string) =>
    (await t.db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } })).status;
  const rowsOf = (resourceId: string) =>
    t.db.prisma.notification.findMany({ where: { resourceId }, orderBy: { id: "asc" } });

  return { t, merchantWithPos, saleOf, ipn, statusOf, rowsOf };
}

/** A merchant order read with `token`: closed, paid in full, naming `ref`. */
export function paidMerchantOrder(token: string, id: number, ref: string, paymentId = nextId()) {
  as(token)
    .get(`/merchant_orders/${id}`)
    .reply(
      200,
      merchantOrder(id, ref, "closed", [
        { id: paymentId, status: "approved", transaction_amount: 5 },
      ]),
    );
  // the payment's details, read once the sale is paid: at the same account
  as(token).get(`/v1/payments/${paymentId}`).reply(404, { message: "not found" });
}
