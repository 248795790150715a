import "./boot/wasm-baseline.ts";
import { buildPlatform } from "./boot/platform.ts";
import "dotenv/config";
import { createApp } from "./app.ts";
import { createCloseoutRepository } from "./closeout/closeout.repository.ts";
import { connectDatabase } from "./boot/database.ts";
import { developmentApiKeys } from "./boot/dev-api-key.ts";
import { checkCredentials, mercadoPagoUpstream } from "./boot/mercadopago.ts";
import { buildServices } from "./boot/services.ts";
import { installShutdown } from "./boot/shutdown.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { createHttpServer, listen } from "./http-server.ts";
import { createLiveSales } from "./live/live-sales.ts";
import { chooseSaleFeed } from "./live/sale-changes.ts";
import { createLogger } from "./logger.ts";
import { observeSignatureMismatchReread } from "./metrics/webhooks-out-metrics.ts";
import { notificationHistoryOf } from "./webhooks-out/sale-notifications.ts";
import { createSecretlessDeliveryHandler } from "./notifications/secretless-deliveries.ts";
import { createWebhookSecretStore } from "./notifications/service-secrets.repository.ts";
import { loadWebhookSecrets } from "./notifications/webhook-secrets.ts";
import { createSalesListRepository } from "./sales/sales-list.repository.ts";
import { resolveSite } from "./site-config.ts";
import { siteProfile } from "./sites.ts";
import { createQrImageFetcher } from "./stores/qr-image-fetch.ts";
import { createStoresRepository } from "./stores/stores.repository.ts";
import { createStoresService } from "./stores/stores.service.ts";

/** How long the outbound webhook deliverer may wait after a sale change, to take its burst at once. */
const SALE_CHANGE_WAKE_MS = 100;

/**
 * The composition root: config → logger → database → Mercado Pago → services → app, jobs,
 * shutdown. Each step that is more than a call stands in src/boot/.
 */
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
  const db = await connectDatabase(config, logger);

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
  const platform = buildPlatform(config, logger, db, upstream, site.site);
  const {
    cashierMp,
    metrics,
    repo,
    sales,
    inbox,
    worker,
    sweeper,
    refunds,
    refundResolver,
    pruner,
    webhookPruner,
    webhooksOutRepo,
    webhookPolicy,
    webhookDeliverer,
    reconciliation,
  } = buildServices(config, logger, db, upstream, webhookSecrets, site.site, platform?.routing);

  const filled = await repo.fillCurrency(siteProfile(site.site).currency);
  if (filled > 0)
    logger.info({ sales: filled }, "sales stored before currencies: given the site's");
  const stores = createStoresService({
    repo: createStoresRepository(db.prisma),
    defaults: { timeZone: siteProfile(site.site).timeZone, locale: site.defaultLocale },
    mp: cashierMp,
    // platform mode: a store's Mercado Pago calls are its merchant's (null: the default, cashierMp)
    ...(platform
      ? {
          mpFor: (merchantId: string | null) =>
            merchantId === null
              ? Promise.resolve(cashierMp)
              : platform.clients.clientFor(merchantId),
        }
      : {}),
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
  // a sale change is when most events are written: the deliverer looks soon, not at its poll;
  // the changes of a burst (a batch of payments settling) share one claim
  feed?.subscribe({
    change: () => webhookDeliverer.wakeWithin(SALE_CHANGE_WAKE_MS),
    resync: () => webhookDeliverer.wake(),
  });
  const live = createLiveSales({
    feed,
    unavailable,
    load: (id) => repo.findById(id),
    logger,
    limits: { streamsPerKey: config.liveStreamsPerKey, waitsPerKey: config.liveStreamsPerKey },
  });

  const app = createApp({
    logger,
    site: site.site,
    sales,
    salesList: createSalesListRepository(db.prisma),
    closeout: createCloseoutRepository(db.prisma),
    reconciliationOfDay: reconciliation.ofDay,
    ...(config.platform?.marketplaceFeePercent !== undefined
      ? { marketplaceFeePercent: config.platform.marketplaceFeePercent }
      : {}),
    reconciliation: reconciliation.routes,
    refunds,
    stores,
    live,
    async recordNotification(ref, signatureValid, merchantId) {
      await inbox.record(ref.topic, ref.id, signatureValid, merchantId);
      worker.wake();
    },
    ...(platform ? { merchantOfSeller: platform.merchantOfSeller } : {}),
    isOwnPendingOrder: (orderId) => repo.isPendingOrder(orderId),
    onSignatureMismatchReread: observeSignatureMismatchReread,
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
    ...(platform ? { merchants: platform.merchants } : {}),
    webhooksOut: {
      repo: webhooksOutRepo,
      policy: webhookPolicy,
      wake: () => webhookDeliverer.wake(),
    },
    saleNotifications: notificationHistoryOf(db.prisma),
  });

  const server = createHttpServer(app);
  await listen(server, config.port);
  worker.start();
  sweeper.start();
  refundResolver.start();
  pruner.start();
  webhookPruner.start();
  webhookDeliverer.start();
  reconciliation.job.start();
  platform?.refresher.start();
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
      webhookPruner.stop(),
      webhookDeliverer.stop(),
      reconciliation.job.stop(),
      platform?.refresher.stop(),
      feed?.stop(),
    ]);
    await upstream.simulator?.close();
    await db.close();
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
