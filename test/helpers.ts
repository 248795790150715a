import { buildReconciliation, type Reconciliation } from "../src/boot/reconciliation.ts";
import { randomBytes } from "node:crypto";
import type { Router } from "express";
import nock from "nock";
import pg from "pg";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, expect, inject } from "vitest";
import { createApp } from "../src/app.ts";
import { createCloseoutRepository } from "../src/closeout/closeout.repository.ts";
import { createPrisma, migrate, poolOf, type Db } from "../src/db/database.ts";
import type { LiveSales } from "../src/live/live-sales.ts";
import { createNotificationWorker } from "../src/jobs/notification-worker.ts";
import { createSalesSweeper } from "../src/jobs/sales-sweeper.ts";
import { createInstoreUpstream } from "../src/mercadopago/instore-v2/instore.upstream.ts";
import { createMercadoPagoClient } from "../src/mercadopago/mercadopago.client.ts";
import { createOrdersUpstream } from "../src/mercadopago/orders/orders.upstream.ts";
import type { QrMode } from "../src/mercadopago/orders/orders.schemas.ts";
import type { MercadoPagoApi } from "../src/mercadopago/upstream.ts";
import {
  routedInstoreUpstream,
  type SellerRouting,
} from "../src/mercadopago/seller-routed.upstream.ts";
import { observeMercadoPagoCalls } from "../src/metrics/mercadopago-calls.ts";
import { createMetrics } from "../src/metrics/metrics.ts";
import { createMetricsRepository } from "../src/metrics/metrics.repository.ts";
import { observeSignatureMismatchReread } from "../src/metrics/webhooks-out-metrics.ts";
import { notificationHistoryOf } from "../src/webhooks-out/sale-notifications.ts";
import { createInboxRepository } from "../src/notifications/inbox.repository.ts";
import { notificationUrl } from "../src/notifications/notification-url.ts";
import { createSecretlessDeliveryHandler } from "../src/notifications/secretless-deliveries.ts";
import { createWebhookSecretStore } from "../src/notifications/service-secrets.repository.ts";
import { loadWebhookSecrets, type WebhookSecrets } from "../src/notifications/webhook-secrets.ts";
import { createSalesListRepository } from "../src/sales/sales-list.repository.ts";
import { createRefundResolver } from "../src/jobs/refund-resolver.ts";
import { createRefundsRepository } from "../src/refunds/refunds.repository.ts";
import { createRefundsService } from "../src/refunds/refunds.service.ts";
import { createSalesRepository } from "../src/sales/sales.repository.ts";
import { createSalesService } from "../src/sales/sales.service.ts";
import { siteProfile, type SiteId } from "../src/sites.ts";
import { createQrImageFetcher } from "../src/stores/qr-image-fetch.ts";
import { createStoresRepository } from "../src/stores/stores.repository.ts";
import { createStoresService } from "../src/stores/stores.service.ts";
import type {} from "./pgbouncer.global.ts";

export const ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const MP_BASE = "https://api.mercadopago.test";
export const COLLECTOR = "123456789";
export const TOKEN = "APP_USR-test-token-0000000000000000";
export const API_KEY = "pos-key-0123456789abcdef";
export const PUBLIC_BASE = "https://pos.example.com";
export const NOTIFICATION_URL = `${PUBLIC_BASE}/webhooks/mercadopago`;

export interface TestDb {
  /** what the service is given as DATABASE_URL: through PgBouncer in the "pgbouncer" project */
  url: string;
  /** the database itself, never through a pooler (CREATE/DROP DATABASE, ALTER DATABASE) */
  directUrl: string;
  prisma: Db;
  drop(): Promise<void>;
}

/** The pooler the "pgbouncer" project started (test/pgbouncer.global.ts), if any. */
function pgbouncerAddress(): string | undefined {
  return process.env.TEST_THROUGH_PGBOUNCER === "true" ? inject("pgbouncerAddress") : undefined;
}

/**
 * A fresh, migrated database for one test file; dropped afterwards. `timezone` (default: env
 * TEST_DB_TIMEZONE) becomes the database's own zone, as initdb sets it from the host, so every
 * session that does not choose its zone runs in it.
 */
export async function createTestDb(opts: { timezone?: string } = {}): Promise<TestDb> {
  const name = `test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const timezone = opts.timezone ?? process.env.TEST_DB_TIMEZONE;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  if (timezone) {
    await admin.query(`ALTER DATABASE ${name} SET timezone = ${admin.escapeLiteral(timezone)}`);
  }
  await admin.end();
  const direct = new URL(ADMIN_URL);
  direct.pathname = `/${name}`;
  const pooler = pgbouncerAddress();
  let url = direct.toString();
  if (pooler) {
    const pooled = new URL(direct);
    pooled.host = pooler;
    pooled.searchParams.set("pgbouncer", "true");
    url = pooled.toString();
  }
  await migrate(url);
  const prisma = createPrisma(url, 5);
  return {
    url,
    directUrl: direct.toString(),
    prisma,
    async drop() {
      await prisma.$disconnect();
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface Harness {
  app: ReturnType<typeof createApp>;
  prisma: Db;
  sales: ReturnType<typeof createSalesService>;
  stores: ReturnType<typeof createStoresService>;
  worker: ReturnType<typeof createNotificationWorker>;
  sweeper: ReturnType<typeof createSalesSweeper>;
  repo: ReturnType<typeof createSalesRepository>;
  refunds: ReturnType<typeof createRefundsService>;
  refundResolver: ReturnType<typeof createRefundResolver>;
  /** the day matched against Mercado Pago's ledger (run, job, repository) */
  reconciliation: Reconciliation;
  /** the service's clock runs this far ahead of the real one */
  clock: { offsetMs: number };
}

export function buildHarness(
  db: TestDb,
  opts: {
    mpBaseUrl?: string;
    webhookSecret?: string;
    /** the secrets as main.ts resolves them (see buildHarnessAsMain); wins over webhookSecret */
    webhookSecrets?: WebhookSecrets;
    /** where Mercado Pago reaches the service: notification_url is then built as main.ts does */
    publicBaseUrl?: string;
    timeoutMs?: number;
    /** CASHIER_DEADLINE_MS */
    cashierDeadlineMs?: number;
    rateLimitPerMinute?: number;
    logger?: pino.Logger;
    /** full-access keys besides API_KEY (a merchant's: `key@merchant:<id>`) */
    apiKeys?: string[];
    staffApiKeys?: string[];
    posApiKeys?: string[];
    signingSecret?: string;
    corsOrigins?: string[];
    /** live updates (streams, long polls), as main.ts builds them */
    live?: LiveSales;
    /** the worker's quiet periods; by default none, so a scenario can re-notify at once */
    quietMs?: { pending: number; settled: number };
    /** MP_API, MP_QR_MODE and MP_SPONSOR_ID */
    mpApi?: MercadoPagoApi;
    qrMode?: QrMode;
    sponsorId?: string;
    /** webhooks out: the endpoints' and deliveries' routes */
    webhooksOut?: Parameters<typeof createApp>[0]["webhooksOut"];
    /** GET /metrics and the metrics hooks, as main.ts wires them; a string is METRICS_TOKEN */
    metrics?: boolean | string;
    /** a simulator router mounted at /simulator, as main.ts mounts it in development */
    simulator?: Router;
    /** the site the service runs as: its stores' default zone and language, the pages' currency */
    site?: SiteId;
    /** the reconciliation's lease, page size and an injected failure after N pages */
    reconciliation?: {
      leaseMs?: number;
      pageSize?: number;
      afterPage?: (pages: number) => void | Promise<void>;
    };
    /** platform mode: each store's Mercado Pago client (the stores service's mpFor) */
    mpFor?: Parameters<typeof createStoresService>[0]["mpFor"];
    /** platform mode: sales go out with their POS's merchant's client (null: the harness's) */
    routing?: SellerRouting;
    /** platform mode: the merchant of a seller's user id (Orders API webhooks) */
    merchantOfSeller?: (userId: string) => Promise<string | null>;
    /** platform mode's MP_MARKETPLACE_FEE_PERCENT (the close-out shows it) */
    marketplaceFeePercent?: number;
    /** platform mode's merchants routes */
    merchants?: Parameters<typeof createApp>[0]["merchants"];
  } = {},
): Harness {
  const logger = opts.logger ?? pino({ level: "silent" });
  const clock = { offsetMs: 0 };
  const now = () => new Date(Date.now() + clock.offsetMs);
  const mp = createMercadoPagoClient({
    baseUrl: opts.mpBaseUrl ?? MP_BASE,
    accessToken: TOKEN,
    collectorId: COLLECTOR,
    timeoutMs: opts.timeoutMs ?? 1000,
    logger,
    retryBaseMs: 5,
    observe: observeMercadoPagoCalls,
  });
  const ordersUpstream = createOrdersUpstream(mp, {
    mode: opts.qrMode ?? "static",
    ttlSeconds: 600,
    sponsorId: opts.sponsorId,
    decimals: siteProfile(opts.site ?? "MLA").decimals,
  });
  const metrics = opts.metrics
    ? createMetrics({
        repo: createMetricsRepository(db.prisma),
        pool: poolOf(db.prisma),
        logger,
      })
    : undefined;
  const repo = createSalesRepository(db.prisma, metrics);
  const instoreOf = (client: typeof mp, merchantId: string | null = null) => {
    const secret = opts.webhookSecrets?.current ?? opts.webhookSecret;
    const bare = opts.webhookSecret
      ? `${NOTIFICATION_URL}?secret=${opts.webhookSecret}`
      : NOTIFICATION_URL;
    return createInstoreUpstream(client, {
      notificationUrl:
        opts.publicBaseUrl || merchantId !== null
          ? notificationUrl(opts.publicBaseUrl ?? PUBLIC_BASE, secret, merchantId)
          : bare,
      sponsorId: undefined,
    });
  };
  const routing = opts.routing;
  const sales = createSalesService({
    repo,
    instore: routing
      ? routedInstoreUpstream(
          {
            ...routing,
            clientFor: (id) => (id === null ? Promise.resolve(mp) : routing.clientFor(id)),
          },
          instoreOf,
        )
      : instoreOf(mp),
    ...(routing
      ? {
          sellerReady: async (posId: string) => {
            const merchantId = await routing.merchantOfPos(posId);
            if (merchantId !== null) await routing.clientFor(merchantId);
          },
        }
      : {}),
    orders: ordersUpstream,
    logger,
    now,
    config: {
      api: opts.mpApi ?? "instore_v2",
      orderTtlSeconds: 600,
      reconcileAfterMs: 30_000,
      cashierDeadlineMs: opts.cashierDeadlineMs ?? 12_000,
      sweepIntervalMs: 5000,
      money: siteProfile(opts.site ?? "MLA"),
    },
  });
  const inbox = createInboxRepository(db.prisma);
  // scenarios re-notify one merchant order and work it at once; quiet periods have their own test
  const refundsRepo = createRefundsRepository(db.prisma);
  const worker = createNotificationWorker({
    inbox,
    mp,
    sales,
    refunds: refundsRepo,
    logger,
    quietMs: opts.quietMs ?? { pending: 0, settled: 0 },
    ...(routing ? { clientFor: (id: string) => routing.clientFor(id) } : {}),
  });
  const sweeper = createSalesSweeper({ repo, sales, logger, now, intervalMs: 5000 });
  const refunds = createRefundsService({
    refunds: refundsRepo,
    salesRepo: repo,
    sales,
    mp,
    ...(routing
      ? {
          mpFor: async (sale: { posId: string }) => {
            const merchantId = await routing.merchantOfPos(sale.posId);
            return merchantId === null ? mp : routing.clientFor(merchantId);
          },
        }
      : {}),
    orders: ordersUpstream,
    logger,
    now,
    config: { cashierDeadlineMs: opts.cashierDeadlineMs ?? 12_000, resolveIntervalMs: 5000 },
  });
  const refundResolver = createRefundResolver({
    refunds: refundsRepo,
    service: refunds,
    logger,
    intervalMs: 5000,
  });
  const stores = createStoresService({
    repo: createStoresRepository(db.prisma),
    mp,
    ...(opts.mpFor ? { mpFor: opts.mpFor } : {}),
    fetchQrImage: createQrImageFetcher({ timeoutMs: opts.timeoutMs ?? 1000, allowHttp: true }),
    logger,
    // the site's, MLA by default as the service runs with the simulator and no MP_SITE
    defaults: {
      timeZone: siteProfile(opts.site ?? "MLA").timeZone,
      locale: siteProfile(opts.site ?? "MLA").locale,
    },
  });
  const reconciliation = buildReconciliation({
    db: db.prisma,
    mp,
    // platform mode, as services.ts: a merchant's store's day is searched with its own client
    ...(routing
      ? {
          mpFor: (id: string | null) => (id === null ? Promise.resolve(mp) : routing.clientFor(id)),
        }
      : {}),
    logger,
    leaseMs: opts.reconciliation?.leaseMs ?? 10_000,
    defaultTimeZone: siteProfile(opts.site ?? "MLA").timeZone,
    dayAt: "03:00",
    now,
    onRecheck: () => sweeper.wake(),
    ...(opts.reconciliation?.pageSize ? { pageSize: opts.reconciliation.pageSize } : {}),
    ...(opts.reconciliation?.afterPage ? { afterPage: opts.reconciliation.afterPage } : {}),
  });
  const app = createApp({
    logger,
    sales,
    reconciliation: reconciliation.routes,
    reconciliationOfDay: reconciliation.ofDay,
    salesList: createSalesListRepository(db.prisma),
    closeout: createCloseoutRepository(db.prisma),
    refunds,
    stores,
    ...(opts.site ? { site: opts.site } : {}),
    async recordNotification(ref, signatureValid, merchantId) {
      await inbox.record(ref.topic, ref.id, signatureValid, merchantId);
      worker.wake(); // as main.ts; nothing happens unless a test started the worker
    },
    isOwnPendingOrder: (orderId) => repo.isPendingOrder(orderId),
    ...(opts.merchantOfSeller ? { merchantOfSeller: opts.merchantOfSeller } : {}),
    onSignatureMismatchReread: observeSignatureMismatchReread,
    onNotificationWithoutSecret: createSecretlessDeliveryHandler({
      generatedAt: opts.webhookSecrets?.generatedAt ?? null,
      orderTtlSeconds: 600,
      checkPendingCreatedBefore: (at) => repo.checkPendingCreatedBefore(at),
      wakeReconciler: () => sweeper.wake(),
      logger,
      now,
    }),
    ping: async () => {
      await db.prisma.$queryRaw`SELECT 1`;
    },
    config: {
      apiKeys: [API_KEY, ...(opts.apiKeys ?? [])],
      staffApiKeys: opts.staffApiKeys,
      posApiKeys: opts.posApiKeys,
      webhookSecret: opts.webhookSecrets?.current ?? opts.webhookSecret,
      previousWebhookSecrets: opts.webhookSecrets?.previous,
      webhookSigningSecrets: opts.signingSecret ? [opts.signingSecret] : [],
      corsOrigins: opts.corsOrigins,
      rateLimitPerMinute: opts.rateLimitPerMinute,
    },
    ...(opts.live ? { live: opts.live } : {}),
    ...(opts.webhooksOut ? { webhooksOut: opts.webhooksOut } : {}),
    saleNotifications: notificationHistoryOf(db.prisma),
    ...(metrics
      ? { metrics, metricsToken: typeof opts.metrics === "string" ? opts.metrics : undefined }
      : {}),
    ...(opts.simulator ? { simulator: opts.simulator } : {}),
    ...(opts.merchants ? { merchants: opts.merchants } : {}),
    ...(opts.marketplaceFeePercent !== undefined
      ? { marketplaceFeePercent: opts.marketplaceFeePercent }
      : {}),
  });
  return {
    app,
    prisma: db.prisma,
    sales,
    worker,
    sweeper,
    repo,
    refunds,
    stores,
    refundResolver,
    reconciliation,
    clock,
  };
}

/**
 * A harness whose webhook secrets come from the database as main.ts gets them: `configured` as
 * WEBHOOK_SECRET would be, else the secret generated once and stored.
 */
export async function buildHarnessAsMain(
  db: TestDb,
  opts: Omit<Parameters<typeof buildHarness>[1] & object, "webhookSecret" | "webhookSecrets"> & {
    configured?: string[];
  } = {},
): Promise<Harness & { webhookSecrets: WebhookSecrets }> {
  const webhookSecrets = await loadWebhookSecrets(
    createWebhookSecretStore(db.prisma),
    opts.configured ?? [],
  );
  return { ...buildHarness(db, { ...opts, webhookSecrets }), webhookSecrets };
}

let counter = 0;
/** A unique POS id per call, so tests never share a POS slot. */
export function uniquePos(): string {
  counter++;
  return `POS${process.pid}${counter}${randomBytes(2).toString("hex")}`;
}

export function uniqueRef(): string {
  return `ref-${randomBytes(6).toString("hex")}`;
}

export function saleBody(overrides: Record<string, unknown> = {}) {
  return {
    store_id: "SUC001",
    pos_id: uniquePos(),
    external_reference: uniqueRef(),
    items: [{ title: "Coffee", unit_price: 2.5, quantity: 2 }],
    ...overrides,
  };
}

export function putPath(storeId: string, posId: string): string {
  return `/instore/qr/seller/collectors/${COLLECTOR}/stores/${storeId}/pos/${posId}/orders`;
}

export function posPath(posId: string): string {
  return `/instore/qr/seller/collectors/${COLLECTOR}/pos/${posId}/orders`;
}

/** A merchant order as Mercado Pago shows it. */
export function merchantOrder(
  id: number,
  externalReference: string,
  status: "opened" | "closed" | "expired",
  payments: { id: number; status: string; transaction_amount: number }[] = [],
  extra: Record<string, unknown> = {},
) {
  const approved = payments
    .filter((p) => p.status === "approved")
    .reduce((s, p) => s + p.transaction_amount, 0);
  return {
    id,
    status,
    external_reference: externalReference,
    order_status: status === "closed" ? "paid" : "payment_required",
    total_amount: 5,
    paid_amount: approved,
    refunded_amount: 0,
    cancelled: status === "expired",
    payments: payments.map((p) => ({
      ...p,
      total_paid_amount: p.transaction_amount,
      currency_id: "ARS",
    })),
    last_updated: new Date().toISOString(),
    ...extra,
  };
}

/** Expects the PUT of the order and answers 204, capturing the body sent. */
export function expectPut(storeId: string, posId: string, capture?: { body?: unknown }) {
  return nock(MP_BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
    .put(putPath(storeId, posId), (body) => {
      if (capture) capture.body = body;
      return true;
    })
    .reply(204);
}

export const auth = { Authorization: `Bearer ${API_KEY}` };

/**
 * A nock reply that answers only after `ms`: nock 15.0.0's `.delay()` does not hold the response
 * back under its request interceptors, so tests that need a slow Mercado Pago use this.
 */
export function slowReply(ms: number, status: number, body: unknown = "") {
  return async (): Promise<[number, unknown]> => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return [status, body];
  };
}

/**
 * The usual component-test setup: a fresh database and harness for the file, and after each test
 * a check that every expected Mercado Pago call was made (and no interceptor is left over).
 */
export function useHarness(opts: Parameters<typeof buildHarness>[1] = {}): {
  db: TestDb;
  h: Harness;
} {
  const t = {} as { db: TestDb; h: Harness };
  beforeAll(async () => {
    t.db = await createTestDb();
    t.h = buildHarness(t.db, opts);
  });
  afterAll(async () => {
    await t.db.drop();
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  return t;
}
