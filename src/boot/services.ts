import type { Logger } from "pino";
import type { Config } from "../config.ts";
import { siteProfile, type SiteId } from "../sites.ts";
import { poolOf, type Database } from "../db/database.ts";
import { createNotificationPruner } from "../jobs/notification-pruner.ts";
import { createWebhookPruner } from "../jobs/webhook-pruner.ts";
import { createWebhooksOutRetention } from "../webhooks-out/webhooks-out.retention.ts";
import { createNotificationWorker } from "../jobs/notification-worker.ts";
import { createRefundResolver } from "../jobs/refund-resolver.ts";
import { createSalesSweeper } from "../jobs/sales-sweeper.ts";
import { createMetrics } from "../metrics/metrics.ts";
import { observeMercadoPagoCalls } from "../metrics/mercadopago-calls.ts";
import { createMetricsRepository } from "../metrics/metrics.repository.ts";
import { createInstoreUpstream } from "../mercadopago/instore-v2/instore.upstream.ts";
import {
  createMercadoPagoClient,
  type MercadoPagoClient,
} from "../mercadopago/mercadopago.client.ts";
import {
  routedInstoreUpstream,
  routedOrdersUpstream,
  type SellerRouting,
} from "../mercadopago/seller-routed.upstream.ts";
import { createOrdersUpstream } from "../mercadopago/orders/orders.upstream.ts";
import { createInboxRepository } from "../notifications/inbox.repository.ts";
import { notificationUrl } from "../notifications/notification-url.ts";
import type { WebhookSecrets } from "../notifications/webhook-secrets.ts";
import { createRefundsRepository } from "../refunds/refunds.repository.ts";
import { createRefundsService } from "../refunds/refunds.service.ts";
import { createSalesRepository } from "../sales/sales.repository.ts";
import { createSalesService } from "../sales/sales.service.ts";
import type { Upstream } from "./mercadopago.ts";
import { buildReconciliation } from "./reconciliation.ts";
import { createWebhookDeliverer } from "../jobs/webhook-deliverer.ts";
import { observeWebhookDelivery, setQueueSource } from "../metrics/webhooks-out-metrics.ts";
import { systemResolve } from "../webhooks-out/endpoint-url.ts";
import { createWebhooksOutRepository } from "../webhooks-out/webhooks-out.repository.ts";

/**
 * The sales, refunds and notifications services and their background jobs, on the database and
 * Mercado Pago as boot found them. The jobs are built, not started.
 */
export function buildServices(
  config: Config,
  logger: Logger,
  db: Database,
  upstream: Upstream,
  webhookSecrets: WebhookSecrets,
  /** the site the service runs as: the sales' currency, its decimals and cap */
  site: SiteId,
  /** platform mode: each sale's calls go out with its POS's merchant's client */
  routing?: SellerRouting,
) {
  const money = siteProfile(site);
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

  const ordersOf = (mp: ReturnType<typeof mercadoPago>, marketplaceFeePercent?: number) =>
    createOrdersUpstream(mp, {
      marketplaceFeePercent,
      mode: config.mercadoPago.qrMode,
      ttlSeconds: config.orderTtlSeconds,
      sponsorId: config.mercadoPago.sponsorId,
      decimals: money.decimals,
    });
  // the default merchant keeps this client (cashier's or jobs'); a merchant's goes by its POS
  const routingWith = (mp: MercadoPagoClient): SellerRouting | null =>
    routing
      ? {
          ...routing,
          clientFor: (id) => (id === null ? Promise.resolve(mp) : routing.clientFor(id)),
        }
      : null;
  // a merchant's orders name it in their notification_url: their notifications are read with its token
  const instoreOf = (mp: MercadoPagoClient, merchantId: string | null = null) =>
    createInstoreUpstream(mp, {
      notificationUrl: notificationUrl(config.publicBaseUrl, webhookSecrets.current, merchantId),
      sponsorId: config.mercadoPago.sponsorId,
    });
  const ordersWith = (mp: MercadoPagoClient) => {
    const r = routingWith(mp);
    // the platform's fee goes only on merchants' orders: an order of our own token takes none
    const fee = config.platform?.marketplaceFeePercent;
    return r
      ? routedOrdersUpstream(
          r,
          (m, merchantId) => ordersOf(m, merchantId === null ? undefined : fee),
          ordersOf(mp),
        )
      : ordersOf(mp);
  };
  const instoreWith = (mp: MercadoPagoClient) => {
    const r = routingWith(mp);
    return r ? routedInstoreUpstream(r, instoreOf) : instoreOf(mp);
  };
  const metrics = createMetrics({
    repo: createMetricsRepository(db.prisma),
    pool: poolOf(db.prisma),
    logger,
  });
  const repo = createSalesRepository(db.prisma, metrics);
  const salesWith = (mp: ReturnType<typeof mercadoPago>) =>
    createSalesService({
      repo,
      instore: instoreWith(mp),
      orders: ordersWith(mp),
      logger,
      now: () => new Date(),
      ...(routing
        ? {
            sellerReady: async (posId: string) => {
              const merchantId = await routing.merchantOfPos(posId);
              if (merchantId !== null) await routing.clientFor(merchantId);
            },
          }
        : {}),
      config: {
        api: config.mercadoPago.api,
        orderTtlSeconds: config.orderTtlSeconds,
        reconcileAfterMs: config.reconcileAfterMs,
        cashierDeadlineMs: config.cashierDeadlineMs,
        sweepIntervalMs: config.reconcileIntervalMs,
        money,
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
    // platform mode: each notification is read with the client of the merchant it names
    ...(routing ? { clientFor: (merchantId: string) => routing.clientFor(merchantId) } : {}),
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
      // platform mode: a sale's instore refund goes out with its POS's merchant's client
      ...(routing
        ? {
            mpFor: async (sale: { posId: string }) => {
              const merchantId = await routing.merchantOfPos(sale.posId);
              return merchantId === null ? mp : routing.clientFor(merchantId);
            },
          }
        : {}),
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

  const webhooksOutRepo = createWebhooksOutRepository(db.prisma);
  setQueueSource(() => webhooksOutRepo.queueStats());
  const webhookPolicy = { publicOnly: config.webhooksOut.publicOnly, resolve: systemResolve };
  const webhookDeliverer = createWebhookDeliverer({
    repo: webhooksOutRepo,
    logger,
    policy: webhookPolicy,
    config: config.webhooksOut,
    observe: observeWebhookDelivery,
  });
  const webhookPruner = createWebhookPruner({
    retention: createWebhooksOutRetention(db.prisma),
    logger,
    now: () => new Date(),
    retentionDays: config.webhooksOut.retentionDays,
  });

  // the day matched against Mercado Pago's ledger: on the background client, one page at a time
  const reconciliation = buildReconciliation({
    db: db.prisma,
    mp: jobsMp,
    // platform mode: a merchant's store's day is searched with that merchant's token
    ...(routing ? { mpFor: (id: string | null) => routingWith(jobsMp)!.clientFor(id) } : {}),
    logger,
    leaseMs,
    defaultTimeZone: money.timeZone,
    dayAt: config.reconcileDayAt,
    now: () => new Date(),
    onRecheck: () => sweeper.wake(),
  });

  return {
    reconciliation,
    webhooksOutRepo,
    webhookPolicy,
    webhookDeliverer,
    webhookPruner,
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
  };
}
