import { randomBytes } from "node:crypto";
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLiveSales } from "../src/live/live-sales.ts";
import { createMerchantsService } from "../src/merchants/merchants.service.ts";
import { MerchantOrderSchema } from "../src/mercadopago/mercadopago.schemas.ts";
import { observeMerchantOrder } from "../src/mercadopago/instore-v2/merchant-order.ts";
import { createOAuthClient } from "../src/mercadopago/oauth.calls.ts";
import { createSalesRepository } from "../src/sales/sales.repository.ts";
import { CreatePosSchema, CreateStoreSchema } from "../src/stores/stores.schemas.ts";
import { posRequestHash, storeRequestHash } from "../src/stores/stores.service.ts";
import { createStoresRepository } from "../src/stores/stores.repository.ts";
import { createWebhooksOutRepository } from "../src/webhooks-out/webhooks-out.repository.ts";
import { API_KEY, MP_BASE, buildHarness, createTestDb, uniqueRef } from "./helpers.ts";
import type { Harness, TestDb } from "./helpers.ts";
import { connectedMerchant, platformOf } from "./merchant-helpers.ts";
import { appWithEveryRouter, matchesEntry, mountedRoutes } from "./openapi-routes.ts";

// Platform mode with two connected merchants, A and B, each with a store, a POS, a paid and
// refunded sale, a pending sale and a webhook endpoint. Every mounted route has an entry: A's
// merchant-bound key against B's ids is refused (404 as for an unknown id, or 403) and answers
// nothing of B; the same request with B's key (or a full key) succeeds, so each entry is a request
// that means something. A route with no entry fails the file.

const KEY_A = "merchant-a-key-0123456789abcdef";
const KEY_B = "merchant-b-key-0123456789abcdef";
const STAFF_A = "merchant-a-staff-0123456789abcdef";
const POS_A = "merchant-a-pos-0123456789abcdef";
const hex = () => randomBytes(3).toString("hex");
const YESTERDAY = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

interface Fixture {
  key: string;
  token: string;
  merchantId: string;
  userId: string;
  merchantName: string;
  storeId: string;
  storeName: string;
  storeBody: Record<string, unknown>;
  posId: string;
  posName: string;
  posBody: Record<string, unknown>;
  paidRef: string;
  paidAmount: string;
  pendingRef: string;
  pendingAmount: string;
  endpointId: string;
  endpointUrl: string;
  deliveryId: string;
}

/** What must never appear in an answer to A about B: every id, reference, name and amount. */
const secretsOf = (f: Fixture) => [
  f.merchantId,
  f.merchantName,
  f.userId,
  f.storeId,
  f.storeName,
  f.posId,
  f.posName,
  f.paidRef,
  f.paidAmount,
  f.pendingRef,
  f.pendingAmount,
  f.endpointId,
  f.endpointUrl,
  f.deliveryId,
];

let db: TestDb;
let h: Harness;
let server: Server;
let base: string;
const fx = {} as { A: Fixture; B: Fixture; platformEndpoint: string };

const location = {
  street_number: "1",
  street_name: "Calle",
  city_name: "Ciudad",
  state_name: "Estado",
  latitude: -34.6,
  longitude: -58.4,
};

beforeAll(async () => {
  nock.enableNetConnect(/127\.0\.0\.1/);
  db = await createTestDb();
  const platform = platformOf(db, { retries: 0 });
  const logger = pino({ level: "silent" });
  const a = await connectedMerchant(platform, "700000001", { name: "Comercio Alfa" });
  const b = await connectedMerchant(platform, "700000002", { name: "Comercio Bravo" });
  const storesRepo = createStoresRepository(db.prisma);
  const salesRepo = createSalesRepository(db.prisma);
  const merchants = createMerchantsService({
    repo: platform.repo,
    box: platform.box,
    oauth: createOAuthClient({
      baseUrl: MP_BASE,
      clientId: "1234567890",
      clientSecret: "client-secret-0123456789",
      timeoutMs: 1000,
      logger,
    }),
    logger,
    config: {
      clientId: "1234567890",
      authUrl: "https://auth.mercadopago.com/authorization",
      redirectUri: "https://pos.example.com/oauth/callback",
      site: "MLA",
    },
  });
  h = buildHarness(db, {
    apiKeys: [`${KEY_A}@merchant:${a.merchant.id}`, `${KEY_B}@merchant:${b.merchant.id}`],
    staffApiKeys: [`${STAFF_A}@merchant:${a.merchant.id}`],
    posApiKeys: [`${POS_A}@merchant:${a.merchant.id}`],
    merchants,
    mpFor: (id) => platform.clients.clientFor(id),
    routing: {
      merchantOfPos: (posId) => storesRepo.merchantOfPos(posId),
      merchantOfOrder: async () => null,
      clientFor: (id) => platform.clients.clientFor(id),
    },
    webhooksOut: {
      repo: createWebhooksOutRepository(db.prisma),
      policy: { publicOnly: false, resolve: async () => ["127.0.0.1"] },
    },
    live: createLiveSales({ feed: null, load: (id) => salesRepo.findById(id), logger }),
  });
  server = http.createServer(h.app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const platformHook = await request(h.app)
    .post("/webhook-endpoints")
    .set(bearer(API_KEY))
    .send({ url: "http://127.0.0.1:9/hook-platform", events: ["sale.created", "sale.paid"] });
  expect(platformHook.status).toBe(201);
  fx.platformEndpoint = platformHook.body.id as string;
  fx.A = await fixture(KEY_A, a, "Alfa", "11.11", "12.22");
  fx.B = await fixture(KEY_B, b, "Bravo", "93.47", "94.58");
});
afterAll(async () => {
  nock.cleanAll();
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
});

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** A merchant's store and POS (as POST /stores had made them), endpoint, paid and pending sale. */
async function fixture(
  key: string,
  m: Awaited<ReturnType<typeof connectedMerchant>>,
  word: string,
  paidAmount: string,
  pendingAmount: string,
): Promise<Fixture> {
  const storeId = `S${word}${hex()}`;
  const posId = `P${word}${hex()}`;
  const storeBody = { external_id: storeId, name: `Tienda ${word}`, location };
  const posBody = { external_id: posId, name: `Caja ${word}` };
  const store = CreateStoreSchema.parse(storeBody);
  await db.prisma.store.create({
    data: {
      externalId: storeId,
      mercadopagoId: hex(),
      name: store.name,
      location,
      requestHash: storeRequestHash({ ...store, merchant_id: m.merchant.id }),
      merchantId: m.merchant.id,
    },
  });
  await db.prisma.pos.create({
    data: {
      externalId: posId,
      storeExternalId: storeId,
      mercadopagoId: BigInt(Date.now()),
      name: posBody.name,
      qrContent: `00020101021243650016COM.MERCADOLIBRE02013063${posId}`,
      requestHash: posRequestHash(storeId, CreatePosSchema.parse(posBody)),
    },
  });
  const endpointUrl = `http://127.0.0.1:9/hook-${word.toLowerCase()}`;
  const hook = await request(h.app)
    .post("/webhook-endpoints")
    .set(bearer(key))
    .send({ url: endpointUrl, events: ["sale.created", "sale.paid"] });
  expect(hook.status).toBe(201);
  expect(hook.body.merchant_id).toBe(m.merchant.id);

  const seller = nock(MP_BASE, { reqheaders: { authorization: `Bearer ${m.token}` } });
  const sale = async (amount: string) => {
    const ref = uniqueRef();
    seller
      .put(`/instore/qr/seller/collectors/${m.userId}/stores/${storeId}/pos/${posId}/orders`)
      .reply(204);
    const res = await request(h.app)
      .post("/sales")
      .set(bearer(key))
      .send({
        store_id: storeId,
        pos_id: posId,
        external_reference: ref,
        items: [{ title: `Item ${word}`, unit_price: Number(amount), quantity: 1 }],
      });
    expect(res.status).toBe(201);
    return ref;
  };
  const paidRef = await sale(paidAmount);
  const moId = Number(`9${Date.now() % 1e8}${Math.floor(Math.random() * 100)}`);
  const [paid] = await h.sales.applyObservations(
    [observeMerchantOrder(MerchantOrderSchema.parse(merchantOrder(moId, paidRef, paidAmount)))],
    "webhook",
    { merchantId: m.merchant.id },
  );
  expect(paid?.status).toBe("paid");
  fakeRefunds(moId, paidRef, paidAmount);
  const refunded = await request(h.app)
    .post(`/orders/${paidRef}/refund`)
    .set(bearer(key))
    .send({ amount: 1 });
  expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
  // its own QR (as a hybrid Orders API order has), so GET /orders/:ref/qr.png has an image
  await db.prisma.sale.update({
    where: { externalReference: paidRef },
    data: { qrData: `00020101021226${paidRef}` },
  });
  const pendingRef = await sale(pendingAmount);
  const delivery = await db.prisma.webhookDelivery.findFirstOrThrow({
    where: { endpointId: hook.body.id as string },
  });
  return {
    key,
    token: m.token,
    merchantId: m.merchant.id,
    userId: m.userId,
    merchantName: `Comercio ${word}`,
    storeId,
    storeName: `Tienda ${word}`,
    storeBody,
    posId,
    posName: `Caja ${word}`,
    posBody,
    paidRef,
    paidAmount,
    pendingRef,
    pendingAmount,
    endpointId: hook.body.id as string,
    endpointUrl,
    deliveryId: delivery.id,
  };
}

const paymentId = (moId: number) => moId + 1;

function merchantOrder(moId: number, ref: string, amount: string, refunded = 0) {
  return {
    id: moId,
    status: "closed",
    external_reference: ref,
    order_status: refunded ? "partially_reverted" : "paid",
    total_amount: Number(amount),
    paid_amount: Number(amount),
    refunded_amount: refunded,
    payments: [
      {
        id: paymentId(moId),
        transaction_amount: Number(amount),
        total_paid_amount: Number(amount),
        status: "approved",
        amount_refunded: refunded,
        currency_id: "ARS",
      },
    ],
    last_updated: new Date().toISOString(),
  };
}

/** Mercado Pago's side of a sale's refunds and re-reads (instore v2 refunds: the default token). */
function fakeRefunds(moId: number, ref: string, amount: string) {
  const made: { id: number; amount: number }[] = [];
  const total = () => made.reduce((s, r) => s + r.amount, 0);
  const pid = paymentId(moId);
  const mp = nock(MP_BASE).persist();
  mp.get(`/merchant_orders/${moId}`).reply(() => [200, merchantOrder(moId, ref, amount, total())]);
  mp.get("/merchant_orders/search")
    .query({ external_reference: ref })
    .reply(() => [200, { elements: [merchantOrder(moId, ref, amount, total())] }]);
  mp.get(`/v1/payments/${pid}/refunds`).reply(() => [
    200,
    made.map((r) => ({ id: r.id, payment_id: pid, amount: r.amount, status: "approved" })),
  ]);
  // nock 15 hands a reply function the fetch Request
  const onRefund = async (req: Request): Promise<[number, unknown]> => {
    const asked = (await req.clone().json()) as { amount: number };
    const r = { id: pid * 10 + made.length, amount: asked.amount };
    made.push(r);
    return [201, { id: r.id, payment_id: pid, amount: r.amount, status: "approved" }];
  };
  mp.post(`/v1/payments/${pid}/refunds`).reply(
    onRefund as unknown as Parameters<nock.Interceptor["reply"]>[0],
  );
}

interface Answer {
  status: number;
  text: string;
}

async function answer(test: request.Test): Promise<Answer> {
  const res = await test;
  const text =
    res.text ??
    (Buffer.isBuffer(res.body) ? res.body.toString("latin1") : JSON.stringify(res.body));
  return { status: res.status, text: text ?? "" };
}

const buffered = (t: request.Test) =>
  t.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => done(null, Buffer.concat(chunks)));
  });

/** A request made with a key; `asked` is its own text (path and body), which an error may repeat. */
type Call = ((key: string) => Promise<Answer>) & { asked: string };
const call = (asked: string, fn: (key: string) => Promise<Answer>): Call =>
  Object.assign(fn, { asked });

const get = (path: string, headers: Record<string, string> = {}) =>
  call(path, (key) => answer(buffered(request(h.app).get(path).set(bearer(key)).set(headers))));
const send = (method: "post" | "patch" | "delete", path: string, body?: object) =>
  call(`${path} ${JSON.stringify(body ?? null)}`, (key) =>
    answer(
      body === undefined
        ? request(h.app)[method](path).set(bearer(key))
        : request(h.app)[method](path).set(bearer(key)).send(body),
    ),
  );

/** An event stream: its status, and the body only when it is refused (a stream never ends). */
function stream(path: string) {
  return call(
    path,
    (key) =>
      new Promise<Answer>((resolve, reject) => {
        const req = http.get(
          `${base}${path}`,
          { headers: { ...bearer(key), Accept: "text/event-stream" } },
          (res) => {
            if (res.statusCode === 200) {
              resolve({ status: 200, text: "" });
              req.destroy();
              return;
            }
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on("error", reject);
      }),
  );
}

/**
 * One request of a route. `refused`: A's key gets 403/404 and nothing of B; `listed`: A's key
 * gets 2xx with only its own rows. Either way the request succeeds with `okWith`'s key (B's by
 * default; a full key where no merchant's key may ever succeed).
 */
interface Probe {
  kind: "refused" | "listed";
  call: (f: Fixture) => Call;
  okWith?: "own" | "full";
  /** Mercado Pago's answers to the request that succeeds (A's is refused before any call) */
  upstream?: (f: Fixture) => void;
}
const refused = (
  call: Probe["call"],
  okWith: Probe["okWith"] = "own",
  upstream?: Probe["upstream"],
): Probe => ({ kind: "refused", call, okWith, upstream });

/** The merchant's own account at Mercado Pago, as its token reaches it. */
const sellerApi = (f: Fixture) =>
  nock(MP_BASE, { reqheaders: { authorization: `Bearer ${f.token}` } });
const listed = (call: Probe["call"]): Probe => ({ kind: "listed", call });

/** Every route a merchant's key reaches, in the order run (what changes B's data comes last). */
const MATRIX: [route: string, probes: Probe[]][] = [
  ["GET /merchants", [listed(() => get("/merchants"))]],
  ["GET /merchants/:id", [refused((f) => get(`/merchants/${f.merchantId}`))]],
  ["POST /merchants", [refused(() => send("post", "/merchants", { name: "Otro" }), "full")]],
  [
    "POST /stores",
    [
      // B's store id, as B registered it: taken by another merchant
      refused((f) => send("post", "/stores", f.storeBody)),
      refused((f) => send("post", "/stores", { ...f.storeBody, merchant_id: f.merchantId })),
    ],
  ],
  ["GET /stores", [listed(() => get("/stores"))]],
  ["GET /stores/:store_id", [refused((f) => get(`/stores/${f.storeId}`))]],
  [
    "PATCH /stores/:store_id",
    [refused((f) => send("patch", `/stores/${f.storeId}`, { time_zone: "America/Cordoba" }))],
  ],
  [
    "POST /stores/:store_id/pos",
    [refused((f) => send("post", `/stores/${f.storeId}/pos`, f.posBody))],
  ],
  ["GET /pos", [listed(() => get("/pos")), refused((f) => get(`/pos?store_id=${f.storeId}`))]],
  ["GET /pos/:pos_id", [refused((f) => get(`/pos/${f.posId}`))]],
  ["GET /pos/:pos_id/qr.png", [refused((f) => get(`/pos/${f.posId}/qr.png`))]],
  ["GET /pos/:pos_id/qr.svg", [refused((f) => get(`/pos/${f.posId}/qr.svg`))]],
  ["GET /pos/:pos_id/qr.pdf", [refused((f) => get(`/pos/${f.posId}/qr.pdf`))]],
  ["GET /pos/:pos_id/sale", [refused((f) => get(`/pos/${f.posId}/sale`))]],
  ["GET /display/:pos_id/info", [refused((f) => get(`/display/${f.posId}/info`))]],
  [
    "GET /sales",
    [
      listed(() => get("/sales")),
      listed(() => get("/sales", { Accept: "text/csv" })),
      refused((f) => get(`/sales?store_id=${f.storeId}`)),
      refused((f) => get(`/sales?store_id=${f.storeId}`, { Accept: "text/csv" })),
    ],
  ],
  [
    "GET /sales/summary",
    [refused((f) => get(`/sales/summary?store_id=${f.storeId}&date=${YESTERDAY}`))],
  ],
  [
    "GET /sales/close",
    [refused((f) => get(`/sales/close?store_id=${f.storeId}&date=${YESTERDAY}`))],
  ],
  [
    "GET /orders/:ref",
    [
      refused((f) => get(`/orders/${f.paidRef}`)),
      refused((f) => get(`/orders/${f.paidRef}?include=events`)),
      refused((f) => get(`/orders/${f.paidRef}?wait=0&include=events`)),
    ],
  ],
  ["GET /orders/:ref/qr.png", [refused((f) => get(`/orders/${f.paidRef}/qr.png`))]],
  [
    "GET /orders/:ref/receipt",
    [
      refused((f) => get(`/orders/${f.paidRef}/receipt`)),
      refused((f) => get(`/orders/${f.paidRef}/receipt`, { Accept: "application/pdf" })),
    ],
  ],
  ["GET /orders/:ref/events", [refused((f) => stream(`/orders/${f.paidRef}/events`))]],
  ["GET /events", [refused((f) => stream(`/events?store_id=${f.storeId}`))]],
  ["POST /orders/:ref/refresh", [refused((f) => send("post", `/orders/${f.paidRef}/refresh`))]],
  [
    "POST /orders/:ref/refund",
    [refused((f) => send("post", `/orders/${f.paidRef}/refund`, { amount: 1 }))],
  ],
  [
    "GET /reconciliation",
    [refused((f) => get(`/reconciliation?store_id=${f.storeId}&date=${YESTERDAY}`))],
  ],
  [
    "POST /reconciliation/run",
    [
      refused(
        (f) => send("post", `/reconciliation/run?store_id=${f.storeId}&date=${YESTERDAY}`),
        "own",
        () =>
          void nock(MP_BASE)
            .get("/v1/payments/search")
            .query(true)
            .reply(200, { paging: { total: 0, limit: 50, offset: 0 }, results: [] }),
      ),
    ],
  ],
  [
    "POST /webhook-endpoints",
    [
      refused((f) =>
        send("post", "/webhook-endpoints", {
          url: "http://127.0.0.1:9/other",
          events: ["sale.paid"],
          merchant_id: f.merchantId,
        }),
      ),
    ],
  ],
  ["GET /webhook-endpoints", [listed(() => get("/webhook-endpoints"))]],
  [
    "GET /webhook-endpoints/:id/deliveries",
    [refused((f) => get(`/webhook-endpoints/${f.endpointId}/deliveries`))],
  ],
  ["GET /webhook-deliveries", [listed(() => get("/webhook-deliveries"))]],
  [
    "POST /webhook-deliveries/:id/retry",
    [refused((f) => send("post", `/webhook-deliveries/${f.deliveryId}/retry`))],
  ],
  [
    "DELETE /webhook-endpoints/:id",
    [refused((f) => send("delete", `/webhook-endpoints/${f.endpointId}`))],
  ],
  [
    "DELETE /orders/:ref",
    [
      refused(
        (f) => send("delete", `/orders/${f.pendingRef}`),
        "own",
        (f) => {
          const seller = sellerApi(f);
          seller
            .delete(`/instore/qr/seller/collectors/${f.userId}/pos/${f.posId}/orders`)
            .reply(204);
          seller.get(`/instore/qr/seller/collectors/${f.userId}/pos/${f.posId}/orders`).reply(404);
          // whether it was paid meanwhile: no merchant order for it
          seller.get("/merchant_orders/search").query(true).reply(200, { elements: [] });
        },
      ),
    ],
  ],
  [
    // after the cancel: the POS is free again
    "POST /sales",
    [
      refused(
        (f) =>
          send("post", "/sales", {
            store_id: f.storeId,
            pos_id: f.posId,
            external_reference: `ref-new-${f.posId}`,
            items: [{ title: "x", unit_price: 1, quantity: 1 }],
          }),
        "own",
        (f) =>
          void sellerApi(f)
            .put(
              `/instore/qr/seller/collectors/${f.userId}/stores/${f.storeId}/pos/${f.posId}/orders`,
            )
            .reply(204),
      ),
    ],
  ],
  [
    "DELETE /merchants/:id/connection",
    [refused((f) => send("delete", `/merchants/${f.merchantId}/connection`))],
  ],
  // after the disconnection: a connected merchant is first asked to disconnect
  [
    "POST /merchants/:id/connect",
    [refused((f) => send("post", `/merchants/${f.merchantId}/connect`))],
  ],
];

/** Routes no merchant's key reaches for data, each with the reason. */
const EXEMPT: [route: string, why: string][] = [
  ["GET /health", "public liveness probe: no data"],
  ["GET /ready", "public readiness probe: no data"],
  ["GET /openapi.json", "the public API document"],
  ["GET /docs", "the public API document's viewer"],
  ["GET /docs/*", "the viewer's files"],
  ["GET /favicon.ico", "the browser's icon request (204)"],
  ["GET /assets/*", "the pages' scripts, styles and words: files, no data"],
  ["GET /dashboard", "a page's HTML: its data comes from the API routes above"],
  ["GET /dashboard/*", "pages' HTML: their data comes from the API routes above"],
  [
    "GET /display/:pos_id",
    "the customer display's HTML; its data: /display/:pos_id/info and the API",
  ],
  [
    "POST /webhooks/mercadopago",
    "Mercado Pago's notifications: no API key, answers nothing of a sale",
  ],
  [
    "GET /oauth/callback",
    "the seller's browser back from Mercado Pago: no key, a single-use state",
  ],
  [
    "GET /metrics",
    "API keys never open it (METRICS_TOKEN does); its labels name no store, POS, sale or merchant",
  ],
  [
    "* /simulator/*",
    "the built-in simulator (development only): its helpers refuse merchants' keys (tested below)",
  ],
];

const exempt = (route: string) => EXEMPT.some(([entry]) => matchesEntry(route, entry));

describe("events out in platform mode", () => {
  // before the matrix below, whose requests delete endpoints and make more sales
  it("a merchant's sales' events go to its own endpoints and the platform's, never to another merchant's", async () => {
    const deliveriesOf = async (f: Fixture) => {
      const sales = await db.prisma.sale.findMany({
        where: { externalReference: { in: [f.paidRef, f.pendingRef] } },
        select: { id: true },
      });
      expect(sales).toHaveLength(2);
      const rows = await db.prisma.webhookDelivery.findMany({
        where: { saleId: { in: sales.map((s) => s.id) } },
        select: { endpointId: true, event: { select: { type: true } } },
      });
      const byEndpoint = new Map<string, string[]>();
      for (const r of rows)
        byEndpoint.set(r.endpointId, [...(byEndpoint.get(r.endpointId) ?? []), r.event.type]);
      return byEndpoint;
    };
    for (const [own, other] of [
      [fx.A, fx.B],
      [fx.B, fx.A],
    ] as const) {
      const byEndpoint = await deliveriesOf(own);
      // the paid sale's created and paid, the pending sale's created: to each of the two
      const expected = ["sale.created", "sale.created", "sale.paid"];
      expect([...byEndpoint.keys()].sort()).toEqual([own.endpointId, fx.platformEndpoint].sort());
      expect(byEndpoint.get(own.endpointId)?.sort()).toEqual(expected);
      expect(byEndpoint.get(fx.platformEndpoint)?.sort()).toEqual(expected);
      expect(byEndpoint.has(other.endpointId)).toBe(false);
    }
  });
});

describe("a merchant's key over every route (platform mode)", () => {
  it("every mounted route has an entry in the matrix or a reason to be exempt", () => {
    const { app, stop } = appWithEveryRouter();
    const mounted = mountedRoutes(app);
    stop();
    const covered = new Set(MATRIX.map(([route]) => route));
    expect(mounted.filter((r) => !covered.has(r) && !exempt(r))).toEqual([]);
    expect([...covered].filter((r) => !mounted.includes(r))).toEqual([]);
    expect(MATRIX.filter(([route]) => exempt(route)).map(([r]) => r)).toEqual([]);
  });

  for (const [route, probes] of MATRIX) {
    it(`${route}: A's key on B's ids learns nothing; B's own request succeeds`, async () => {
      const { A, B } = fx;
      for (const probe of probes) {
        const callB = probe.call(B);
        const byA = await callB(A.key);
        const asked = callB.asked;
        if (probe.kind === "refused") {
          expect([403, 404], `${route} with A's key: ${byA.text}`).toContain(byA.status);
        } else {
          expect(byA.status, `${route} with A's key: ${byA.text}`).toBeLessThan(300);
          expect(
            secretsOf(A).some((s) => byA.text.includes(s)),
            `${route}: A's own rows`,
          ).toBe(true);
        }
        for (const secret of secretsOf(B)) {
          // what the request itself carried may come back (an error naming the id asked for)
          if (asked.includes(secret)) continue;
          expect(byA.text, `${route}: B's ${secret} shown to A`).not.toContain(secret);
        }
        probe.upstream?.(B);
        const okKey = probe.okWith === "full" ? API_KEY : B.key;
        const byB = await callB(okKey);
        expect(byB.status, `${route} with ${probe.okWith ?? "B's"} key: ${byB.text}`).toBeLessThan(
          300,
        );
        expect(byB.status).toBeGreaterThanOrEqual(200);
        if (probe.kind === "listed") {
          expect(
            secretsOf(B).some((s) => byB.text.includes(s)),
            `${route}: B's rows`,
          ).toBe(true);
        }
      }
    });
  }
});
