import "dotenv/config";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { databaseTarget, openDatabase, poolOf, waitForDatabase } from "./db/database.ts";
import { createHttpServer, listen } from "./http-server.ts";
import { createNotificationPruner } from "./jobs/notification-pruner.ts";
import { createNotificationWorker } from "./jobs/notification-worker.ts";
import { createRefundResolver } from "./jobs/refund-resolver.ts";
import { createSalesSweeper } from "./jobs/sales-sweeper.ts";
import { createLiveSales } from "./live/live-sales.ts";
import { chooseSaleFeed } from "./live/sale-changes.ts";
import { createLogger } from "./logger.ts";
import { createMetrics } from "./metrics/metrics.ts";
import { observeMercadoPagoCalls } from "./metrics/mercadopago-calls.ts";
import { createMetricsRepository } from "./metrics/metrics.repository.ts";
import { verifyCredentials } from "./mercadopago/credentials.ts";
import { resolveSite } from "./site-config.ts";
import { siteProfile } from "./sites.ts";
import { createInstoreUpstream } from "./mercadopago/instore-v2/instore.upstream.ts";
import { createMercadoPagoClient } from "./mercadopago/mercadopago.client.ts";
import { createOrdersUpstream } from "./mercadopago/orders/orders.upstream.ts";
import { createInboxRepository } from "./notifications/inbox.repository.ts";
import { notificationUrl } from "./notifications/notification-url.ts";
import { createSecretlessDeliveryHandler } from "./notifications/secretless-deliveries.ts";
import { createWebhookSecretStore } from "./notifications/service-secrets.repository.ts";
import { loadWebhookSecrets } from "./notifications/webhook-secrets.ts";
import { createSalesListRepository } from "./sales/sales-list.repository.ts";
import { createRefundsRepository } from "./refunds/refunds.repository.ts";
import { createRefundsService } from "./refunds/refunds.service.ts";
import { createSalesRepository } from "./sales/sales.repository.ts";
import { createSalesService } from "./sales/sales.service.ts";
import { createQrImageFetcher } from "./stores/qr-image-fetch.ts";
import { createStoresRepository } from "./stores/stores.repository.ts";
import { createStoresService } from "./stores/stores.service.ts";
// types only: the simulator is a development dependency, loaded below only when it is used
import type { SimulatorServer } from "mercadopago-simulator";

/**
 * In development with no API key of any role, one full-access key is made, kept under the data
 * dir and shown once.
 */
function developmentApiKeys(config: Config): string[] {
  const anyKey = config.apiKeys.length + config.staffApiKeys.length + config.posApiKeys.length > 0;
  if (anyKey || config.env !== "development") return [...config.apiKeys];
  const file = path.resolve(config.dataDir, "api-key");
  if (existsSync(file)) {
    process.stdout.write(`API key for this development service: see ${file}\n`);
    return [readFileSync(file, "utf8").trim()];
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const key = `dev_${randomBytes(24).toString("base64url")}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  process.stdout.write(
    `\nNo API_KEYS set: generated a development key (kept in ${file}):\n\n  ${key}\n\n` +
      `Use it as: Authorization: Bearer ${key}\n\n`,
  );
  return [key];
}

/** Our webhook URL as an application's "Webhooks" setting would hold it (no source_news). */
function ordersWebhookUrl(publicBaseUrl: string, webhookSecret: string | undefined): string {
  const url = new URL(notificationUrl(publicBaseUrl, webhookSecret));
  url.searchParams.delete("source_news");
  return url.toString();
}

interface Upstream {
  baseUrl: string;
  accessToken: string;
  collectorId: string;
  simulator?: SimulatorServer;
}

/**
 * The mercadopago-simulator package (packages/mercadopago-simulator), imported only when the
 * service runs without a token: a production install (`npm ci --omit=dev --workspaces=false`) does not have it.
 */
async function loadSimulator(): Promise<typeof import("mercadopago-simulator")> {
  try {
    return await import("mercadopago-simulator");
  } catch (err) {
    throw new Error(
      "no MP_ACCESS_TOKEN, and the built-in simulator (the mercadopago-simulator package, a " +
        "development dependency) is not installed here: set MP_ACCESS_TOKEN and MP_COLLECTOR_ID, " +
        "or install with development dependencies (npm ci)",
      { cause: err },
    );
  }
}

/**
 * The real Mercado Pago with the seller's token, or, with no token, the built-in simulator on a
 * loopback port of its own (its page and helpers are also mounted at /simulator).
 */
async function mercadoPagoUpstream(
  config: Config,
  logger: Logger,
  webhookSecret: string | undefined,
): Promise<Upstream> {
  const mp = config.mercadoPago;
  if (mp.mode === "live" && mp.accessToken && mp.collectorId) {
    return { baseUrl: mp.baseUrl, accessToken: mp.accessToken, collectorId: mp.collectorId };
  }
  const accessToken = `APP_USR-simulator-${randomBytes(16).toString("hex")}`;
  const collectorId = mp.collectorId ?? "100000001";
  const { startSimulatorServer } = await loadSimulator();
  const simulator = await startSimulatorServer({
    accessToken,
    collectorId: Number(collectorId),
    // the simulator is the site MP_SITE names (its currency, site_id, whole-unit refusals)
    ...(config.site.site ? { siteId: config.site.site } : {}),
    publicUrl: `${config.publicBaseUrl}/simulator`,
    // this port is only the upstream of the service's client; people use /simulator
    helpers: false,
    // Orders API webhooks go to the URL set in the application (here ours), signed with its secret
    ordersNotificationUrl: ordersWebhookUrl(config.publicBaseUrl, webhookSecret),
    ...(config.webhookSigningSecrets[0]
      ? { ordersWebhookSecret: config.webhookSigningSecrets[0] }
      : {}),
  });
  logger.warn(
    { simulator: `${config.publicBaseUrl}/simulator` },
    "no MP_ACCESS_TOKEN: running against the built-in Mercado Pago SIMULATOR; no real money moves" +
      (mp.simulatorNeedsKey ? " (its helpers need a full-access API key)" : ""),
  );
  return { baseUrl: simulator.baseUrl, accessToken, collectorId, simulator };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const apiKeys = developmentApiKeys(config);
  // Asked while the database is being reached, and a refusal ends the boot at once rather than
  // after the database wait; the server listens only once the answer is in.
  const credentialsChecked = checkCredentials(config, logger);

  if (config.databaseUrl) {
    const { host, port } = databaseTarget(config.databaseUrl);
    logger.info({ host, port }, `connecting to the database at ${host}:${port}`);
    await waitForDatabase(config.databaseUrl, {
      timeoutMs: config.databaseConnectTimeoutS * 1000,
      onFailedTry: (t) =>
        logger.warn(
          { host: t.host, port: t.port, attempt: t.attempt, error: t.error },
          `database at ${t.host}:${t.port} not reachable (try ${t.attempt}): ${t.error}; ` +
            (t.retryInMs === null
              ? "giving up"
              : `retrying in ${(t.retryInMs / 1000).toFixed(1)} s`),
        ),
    });
  }
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  logger.info({ embedded: db.embedded }, "database ready");

  // WEBHOOK_SECRET, or the secret generated once and kept in the database: every order's
  // notification_url carries one, so a delivery without it costs nothing but its answer
  const webhookSecrets = await loadWebhookSecrets(
    createWebhookSecretStore(db.prisma),
    config.webhookSecret ? [config.webhookSecret, ...config.previousWebhookSecrets] : [],
  );
  if (webhookSecrets.generatedAt) {
    logger.info("WEBHOOK_SECRET unset: using the secret generated and kept in the database");
  }

  const upstream = await mercadoPagoUpstream(config, logger, webhookSecrets.current);
  // Two clients, each with its own limit on calls in flight: a cashier's call (create, cancel,
  // refresh) never queues behind a batch of background reads (notifications, reconciliation).
  const mercadoPago = () =>
    createMercadoPagoClient({
      baseUrl: upstream.baseUrl,
      accessToken: upstream.accessToken,
      collectorId: upstream.collectorId,
      timeoutMs: config.mercadoPago.timeoutMs,
      logger,
      observe: observeMercadoPagoCalls,
    });
  const cashierMp = mercadoPago();
  const jobsMp = mercadoPago();

  const ordersWith = (mp: ReturnType<typeof mercadoPago>) =>
    createOrdersUpstream(mp, {
      mode: config.mercadoPago.qrMode,
      ttlSeconds: config.orderTtlSeconds,
      sponsorId: config.mercadoPago.sponsorId,
    });
  const metrics = createMetrics({
    repo: createMetricsRepository(db.prisma),
    pool: poolOf(db.prisma),
    logger,
  });
  const repo = createSalesRepository(db.prisma, metrics);
  const salesWith = (mp: ReturnType<typeof mercadoPago>) =>
    createSalesService({
      repo,
      instore: createInstoreUpstream(mp, {
        notificationUrl: notificationUrl(config.publicBaseUrl, webhookSecrets.current),
        sponsorId: config.mercadoPago.sponsorId,
      }),
      orders: ordersWith(mp),
      logger,
      now: () => new Date(),
      config: {
        api: config.mercadoPago.api,
        orderTtlSeconds: config.orderTtlSeconds,
        reconcileAfterMs: config.reconcileAfterMs,
        cashierDeadlineMs: config.cashierDeadlineMs,
        sweepIntervalMs: config.reconcileIntervalMs,
      },
    });
  const sales = salesWith(cashierMp);
  const jobSales = salesWith(jobsMp);
  const inbox = createInboxRepository(db.prisma);
  // A job makes at most three upstream calls of up to three tries each; a lease of ten call
  // timeouts outlives any live job, and is how long a job of a killed process waits to be resumed.
  const leaseMs = config.mercadoPago.timeoutMs * 10;
  const refundsRepo = createRefundsRepository(db.prisma);
  const worker = createNotificationWorker({
    inbox,
    mp: jobsMp,
    sales: jobSales,
    refunds: refundsRepo,
    logger,
    leaseMs,
  });
  const sweeper = createSalesSweeper({
    repo,
    sales: jobSales,
    logger,
    now: () => new Date(),
    intervalMs: config.reconcileIntervalMs,
    leaseMs,
  });
  const refundsWith = (mp: ReturnType<typeof mercadoPago>, sales: ReturnType<typeof salesWith>) =>
    createRefundsService({
      refunds: refundsRepo,
      salesRepo: repo,
      sales,
      mp,
      orders: ordersWith(mp),
      logger,
      now: () => new Date(),
      config: {
        cashierDeadlineMs: config.cashierDeadlineMs,
        resolveIntervalMs: config.reconcileIntervalMs,
      },
    });
  const refunds = refundsWith(cashierMp, sales);
  const refundResolver = createRefundResolver({
    refunds: refundsRepo,
    service: refundsWith(jobsMp, jobSales),
    logger,
    intervalMs: config.reconcileIntervalMs,
    leaseMs,
  });
  const pruner = createNotificationPruner({
    inbox,
    logger,
    now: () => new Date(),
    retentionDays: config.notificationRetentionDays,
  });

  // the site gives a store's default day and language: known once the token's site is
  const site = resolveSite(config.site, {
    live: config.mercadoPago.mode === "live",
    tokenSite: await credentialsChecked,
    api: config.mercadoPago.api,
  });
  if (site.problem) {
    process.stderr.write(`invalid configuration:\n  ${site.problem}\n`);
    process.exit(1);
  }
  if (site.warning) logger.warn(site.warning);
  logger.info({ site: site.site, defaultLocale: site.defaultLocale }, `site ${site.site}`);
  const stores = createStoresService({
    repo: createStoresRepository(db.prisma),
    defaults: { timeZone: siteProfile(site.site).timeZone, locale: site.defaultLocale },
    mp: cashierMp,
    // the simulator serves its QR images over plain http on this host
    fetchQrImage: createQrImageFetcher({
      timeoutMs: config.mercadoPago.timeoutMs,
      allowHttp: upstream.simulator !== undefined,
    }),
    logger,
  });

  // live updates: the database announces every sale change; this process listens once
  const { feed, unavailable } = chooseSaleFeed({
    databaseUrl: db.url,
    directUrl: config.databaseDirectUrl,
    notices: db.notices,
    logger,
  });
  if (unavailable) logger.warn(unavailable);
  await feed?.start();
  const live = createLiveSales({
    feed,
    unavailable,
    load: (id) => repo.findById(id),
    logger,
    limits: { streamsPerKey: config.liveStreamsPerKey, waitsPerKey: config.liveStreamsPerKey },
  });

  const app = createApp({
    logger,
    sales,
    salesList: createSalesListRepository(db.prisma),
    refunds,
    stores,
    live,
    async recordNotification(ref) {
      await inbox.record(ref.topic, ref.id);
      worker.wake();
    },
    onNotificationWithoutSecret: createSecretlessDeliveryHandler({
      generatedAt: webhookSecrets.generatedAt,
      orderTtlSeconds: config.orderTtlSeconds,
      checkPendingCreatedBefore: (at) => repo.checkPendingCreatedBefore(at),
      wakeReconciler: () => sweeper.wake(),
      logger,
      now: () => new Date(),
    }),
    async ping() {
      await db.prisma.$queryRaw`SELECT 1`;
    },
    config: {
      apiKeys,
      staffApiKeys: config.staffApiKeys,
      posApiKeys: config.posApiKeys,
      webhookSecret: webhookSecrets.current,
      previousWebhookSecrets: webhookSecrets.previous,
      webhookSigningSecrets: config.webhookSigningSecrets,
      corsOrigins: config.corsOrigins,
      rateLimitPerMinute: config.rateLimitPerMinute,
      simulatorNeedsKey: config.mercadoPago.simulatorNeedsKey,
    },
    ...(upstream.simulator ? { simulator: upstream.simulator.sim.router } : {}),
    metrics,
    metricsToken: config.metricsToken,
  });

  const server = createHttpServer(app);
  await listen(server, config.port);
  worker.start();
  sweeper.start();
  refundResolver.start();
  pruner.start();
  logger.info(
    {
      port: config.port,
      mercadoPago: config.mercadoPago.mode,
      publicBaseUrl: config.publicBaseUrl,
    },
    "service listening",
  );

  installShutdown(logger, async () => {
    // open streams would hold server.close() forever: end them, answer the long polls
    live.closeAll();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await Promise.all([
      worker.stop(),
      sweeper.stop(),
      refundResolver.stop(),
      pruner.stop(),
      feed?.stop(),
    ]);
    await upstream.simulator?.close();
    await db.close();
  });
}

/**
 * MP_VERIFY_CREDENTIALS: a token Mercado Pago refuses, or one of another seller than
 * MP_COLLECTOR_ID, stops the boot; an unreachable Mercado Pago is only a warning. Answers the
 * token's site_id when Mercado Pago gave it.
 */
async function checkCredentials(config: Config, logger: Logger): Promise<string | null> {
  const mp = config.mercadoPago;
  if (!mp.verifyCredentials || !mp.accessToken || !mp.collectorId) return null;
  const client = createMercadoPagoClient({
    baseUrl: mp.baseUrl,
    accessToken: mp.accessToken,
    collectorId: mp.collectorId,
    timeoutMs: mp.timeoutMs,
    logger,
    observe: observeMercadoPagoCalls,
  });
  const verdict = await verifyCredentials(client, mp.collectorId, mp.timeoutMs);
  if (verdict.outcome === "refused") {
    process.stderr.write(
      `invalid configuration:\n  ${verdict.problem}\n` +
        "  (checked with GET /users/me because MP_VERIFY_CREDENTIALS is true)\n",
    );
    process.exit(1);
  }
  if (verdict.outcome === "unverified") {
    logger.warn(verdict.warning);
    return null;
  }
  logger.info({ userId: verdict.userId }, "Mercado Pago credentials verified");
  return verdict.siteId;
}

function installShutdown(logger: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing requests and the job in progress");
    const force = setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, 20_000);
    force.unref();
    shutdown()
      .then(() => {
        logger.info("stopped");
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, "error while shutting down");
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
