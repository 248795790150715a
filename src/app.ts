import express, { type RequestHandler, type Router } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import type { Logger } from "pino";
import { createKeyring, findActor, identify, permit, requireActor } from "./auth.ts";
import { loadMerchantScope, platformWide } from "./scope.ts";
import { allowOrigins } from "./cors.ts";
import { AppError, DATABASE_RETRY_AFTER_S, errorHandler, notFoundHandler } from "./errors.ts";
import { enteredUnder as routed } from "./entered-under.ts";
import { createLiveRouter } from "./live/live.routes.ts";
import type { Metrics } from "./metrics/metrics.ts";
import { createMetricsRouter } from "./metrics/metrics.routes.ts";
import type { LiveSales } from "./live/live-sales.ts";
import { createHttpLogger, logAtDebug, noteOnAccessLine } from "./logger.ts";

import type { CloseoutRepository } from "./closeout/closeout.repository.ts";
import { createCloseoutRouter } from "./closeout/closeout.routes.ts";
import type { ReconciliationOfDay } from "./closeout/reconciliation-port.ts";
import {
  createReconciliationRouter,
  type ReconciliationRouteDeps,
} from "./reconciliation/reconciliation.routes.ts";
import { createPagesRouter } from "./pages/pages.routes.ts";
import { securityHeaders } from "./security-headers.ts";
import type { NotificationRef } from "./mercadopago/notification.ts";
import { createWebhooksRouter } from "./notifications/webhooks.routes.ts";
import { createDocsRouter } from "./openapi/docs.routes.ts";
import type { SalesListRepository } from "./sales/sales-list.repository.ts";
import { createSalesListRouter } from "./sales/sales-list.routes.ts";
import { refundHistoryOf } from "./refunds/refund.presenter.ts";
import { createRefundsRouter } from "./refunds/refunds.routes.ts";
import type { RefundsService } from "./refunds/refunds.service.ts";
import { createPosSaleRouter } from "./sales/pos-sale.routes.ts";
import { createSaleQrRouter } from "./sales/sale-qr.routes.ts";
import { createSalesRouter } from "./sales/sales.routes.ts";
import type { SalesService } from "./sales/sales.service.ts";
import type { SiteId } from "./sites.ts";
import { createStoresRouter } from "./stores/stores.routes.ts";
import type { UrlPolicy } from "./webhooks-out/endpoint-url.ts";
import type { WebhooksOutRepository } from "./webhooks-out/webhooks-out.repository.ts";
import { createWebhooksOutRouter } from "./webhooks-out/webhooks-out.routes.ts";
import type { NotificationHistory } from "./sales/sale-notifications.ts";
import type { StoresService } from "./stores/stores.service.ts";
import { createMerchantsRouter } from "./merchants/merchants.routes.ts";
import type { MerchantsService } from "./merchants/merchants.service.ts";

export interface AppDeps {
  logger: Logger;
  sales: SalesService;
  /** the sales list, its CSV and the summary; apps built without it have no GET /sales */
  salesList?: SalesListRepository;
  /** refunds of paid sales (POST /orders/:ref/refund); without it the route is not served */
  refunds?: RefundsService;
  /** the day close's reads (GET /sales/close); with stores, also the receipts */
  closeout?: CloseoutRepository;
  /** the reconciliation of a store's day, shown in the close-out; unset: "pending" */
  reconciliationOfDay?: ReconciliationOfDay;
  /** platform mode's MP_MARKETPLACE_FEE_PERCENT, shown in merchants' stores' close-outs */
  marketplaceFeePercent?: number;
  /** GET /reconciliation and POST /reconciliation/run; without it not served */
  reconciliation?: ReconciliationRouteDeps;
  /** stores and POS routes; main.ts always gives it */
  stores?: StoresService;
  /** the site the service runs as (resolved at boot); without it, MLA as with the simulator */
  site?: SiteId;
  /** `signatureValid`: the delivery's x-signature verified (true), did not (false), none checked (null) */
  recordNotification(
    ref: NotificationRef,
    signatureValid: boolean | null,
    /** the merchant whose token reads it (platform mode); null: the default merchant */
    merchantId: string | null,
  ): Promise<void>;
  /** platform mode: the connected merchant of a Mercado Pago account (Orders API webhooks) */
  merchantOfSeller?: (userId: string) => Promise<string | null>;
  /** a notification arrived with no secret at all (an order created before there was one) */
  onNotificationWithoutSecret?: () => void;
  /** an Orders API order id of our own pending sale (the signature-mismatch fallback) */
  isOwnPendingOrder?: (orderId: string) => Promise<boolean>;
  onSignatureMismatchReread?: () => void;
  /** resolves when the database answers */
  ping(): Promise<void>;
  config: {
    /** full-access keys (API_KEYS) */
    apiKeys: readonly string[];
    staffApiKeys?: readonly string[];
    posApiKeys?: readonly string[];
    webhookSecret: string | undefined;
    /** earlier webhook secrets, still accepted (rotation) */
    previousWebhookSecrets?: readonly string[];
    /** MP_WEBHOOK_SIGNING_SECRET: checks x-signature on notifications that carry one */
    webhookSigningSecrets?: readonly string[];
    /** browser origins allowed by CORS (CORS_ORIGINS); none: no CORS headers at all */
    corsOrigins?: readonly string[];
    rateLimitPerMinute: number | undefined;
    /** the simulator's helpers (/simulator/api) answer full-access keys only */
    simulatorNeedsKey?: boolean;
  };
  /** live updates (event streams, long polls); without it those routes are not served */
  live?: LiveSales;
  /** the built-in Mercado Pago simulator, mounted at /simulator when the service runs on it */
  simulator?: Router;
  /** platform mode's merchants and their OAuth connection; without it not served */
  merchants?: MerchantsService;
  /** webhooks to the store's systems: endpoints and deliveries; without it not served */
  webhooksOut?: { repo: WebhooksOutRepository; policy: UrlPolicy; wake?: () => void };
  /** a sale's notifications both ways, in its history for full and staff keys */
  saleNotifications?: NotificationHistory;
  /** GET /metrics (behind `metricsToken` when set) and the HTTP request histogram */
  metrics?: Metrics;
  metricsToken?: string;
}

/**
 * Limits per API key for a caller with a valid key, else per client address (IPv6 by /56), so
 * made-up keys cannot buy an unknown client fresh allowances. 429 carries Retry-After.
 */
function apiRateLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    keyGenerator: (req) => {
      const actor = findActor(req);
      if (actor) return `key:${actor.keyId}`;
      return `ip:${ipKeyGenerator(req.ip ?? "unknown")}`;
    },
    handler: (_req, _res, next) => {
      next(new AppError("rate_limited", `more than ${perMinute} requests a minute; slow down`));
    },
  });
}

/** How long /ready waits for the database before answering 503. */
export const READY_TIMEOUT_MS = 1500;

/** The HTTP app; no listen() here, so tests drive it with supertest. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  // A sale's status must be read fresh: no ETag (it would also hash every body) and no caching.
  app.set("etag", false);

  app.use(createHttpLogger(deps.logger));
  // helmet's default headers, computed once for the process rather than per request
  app.use(securityHeaders());
  if (deps.config.corsOrigins?.length) app.use(allowOrigins(deps.config.corsOrigins));
  if (deps.metrics) {
    // before the request histogram: scrapes are not API traffic
    app.use(routed(createMetricsRouter(deps.metrics, deps.metricsToken)));
    app.use(deps.metrics.observeRequests);
  }

  const probes = express.Router();
  probes.get("/health", logAtDebug, (_req, res) => {
    res.json({ status: "ok" });
  });
  // browsers ask for it on any page of the service; nothing to show, nothing to log above debug
  probes.get("/favicon.ico", logAtDebug, (_req, res) => {
    res.set("Cache-Control", "public, max-age=86400").status(204).end();
  });
  // a load balancer's probe gives up after a few seconds: the answer comes within 1.5 s even when
  // the database's network is frozen (the pool's own bounds are longer)
  probes.get("/ready", logAtDebug, async (req, res) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([deps.ping(), late]);
      res.json({ status: "ready" });
    } catch (err) {
      noteOnAccessLine(req, "warn", { err }, "database is not answering");
      res.setHeader("Retry-After", String(DATABASE_RETRY_AFTER_S));
      res.status(503).json({ status: "unavailable" });
    } finally {
      clearTimeout(timer);
    }
  });

  // the probes, then the OpenAPI document and its viewer: public, no key
  app.use(routed(probes, createDocsRouter()));

  const limiter = deps.config.rateLimitPerMinute
    ? apiRateLimit(deps.config.rateLimitPerMinute)
    : null;
  if (limiter) app.use("/webhooks", limiter);
  app.use(
    routed(
      createWebhooksRouter({
        record: deps.recordNotification,
        webhookSecret: deps.config.webhookSecret,
        previousWebhookSecrets: deps.config.previousWebhookSecrets,
        signingSecrets: deps.config.webhookSigningSecrets,
        onDeliveryWithoutSecret: deps.onNotificationWithoutSecret,
        isOwnPendingOrder: deps.isOwnPendingOrder,
        merchantOfSeller: deps.merchantOfSeller,
        onSignatureMismatchReread: deps.onSignatureMismatchReread,
        logger: deps.logger,
      }),
    ),
  );

  // Who is calling, then the limit, then the verdict. Bodies are read by the routes that take
  // one, after the caller's role is checked.
  const keyring = createKeyring({
    full: deps.config.apiKeys,
    staff: deps.config.staffApiKeys,
    pos: deps.config.posApiKeys,
  });

  // a key bound to a merchant sees that merchant's stores: read once per request, after the key
  const stores = deps.stores;
  const scoped = loadMerchantScope(stores && ((id) => stores.storeIdsOfMerchant(id)));
  const guarded = [identify(keyring), ...(limiter ? [limiter] : []), requireActor, scoped];

  if (deps.simulator) {
    // Its helpers pay, expire and refund anything: outside development they are an admin's
    // tool. The page and its script carry no data and stay readable; the page asks for a key
    // before it calls the helpers. The QR images only encode the POS, as the sticker on it does.
    if (deps.config.simulatorNeedsKey) {
      app.use(
        "/simulator/api",
        identify(keyring),
        ...(limiter ? [limiter] : []),
        requireActor,
        permit(["full"], "use the simulator's helpers"),
        // they pay, expire and refund any merchant's sales
        platformWide("use the simulator's helpers"),
      );
    }
    app.get(["/simulator/page.js", "/simulator/qr/:file"], logAtDebug);
    app.use("/simulator", deps.simulator);
  }
  app.use(
    ["/sales", "/orders", "/events", "/pos/:pos_id/sale"],
    (_req, res, next) => {
      res.setHeader("Cache-Control", "no-store");
      next();
    },
    ...guarded,
  );
  // the API's routers and the pages', in the order they are tried
  const routers: Router[] = [];
  // a sale's history shows its refunds through this port, so sales never import refunds
  const refundHistory = deps.refunds && refundHistoryOf(deps.refunds);
  if (deps.salesList) {
    const stores = deps.stores;
    // a store's day (date=) is in its time_zone; without the stores, in UTC
    const timeZoneOf = async (id: string) => (stores ? stores.timeZoneOf(id) : "UTC");
    routers.push(createSalesListRouter(deps.salesList, timeZoneOf));
  }
  if (deps.live) {
    routers.push(
      createLiveRouter({
        sales: deps.sales,
        live: deps.live,
        refunds: refundHistory,
        notifications: deps.saleNotifications,
      }),
    );
  }
  if (deps.closeout && deps.stores) {
    // before the sales routes: /sales/close is no sale, /orders/:ref/receipt no other route's
    const stores = deps.stores;
    routers.push(
      createCloseoutRouter({
        sales: deps.sales,
        refunds: refundHistory,
        stores: {
          defaults: stores.defaults,
          findStore: (id) => stores.findStore(id),
          findPos: (id) => stores.findPos(id),
        },
        repo: deps.closeout,
        site: deps.site ?? "MLA",
        reconciliationOfDay: deps.reconciliationOfDay,
        ...(deps.marketplaceFeePercent !== undefined
          ? { marketplaceFeePercent: deps.marketplaceFeePercent }
          : {}),
      }),
    );
  }
  routers.push(createPosSaleRouter(deps.sales));
  routers.push(createSalesRouter(deps.sales, refundHistory, deps.saleNotifications));
  routers.push(createSaleQrRouter(deps.sales));
  if (deps.refunds) routers.push(createRefundsRouter(deps.refunds, deps.sales));
  if (deps.stores) routers.push(createStoresRouter(deps.stores, guarded));
  if (deps.reconciliation) routers.push(createReconciliationRouter(deps.reconciliation, guarded));
  const merchants = deps.merchants;
  if (merchants) routers.push(createMerchantsRouter(merchants, guarded, limiter ? [limiter] : []));
  if (deps.webhooksOut) {
    const w = deps.webhooksOut;
    // an endpoint's merchant must exist; without platform mode no endpoint has one
    const merchantExists =
      merchants &&
      ((id: string) =>
        merchants.get(id).then(
          () => true,
          (err: unknown) => {
            if (err instanceof AppError && err.code === "not_found") return false;
            throw err;
          },
        ));
    routers.push(createWebhooksOutRouter(w.repo, w.policy, guarded, w.wake, merchantExists));
  }
  // the dashboard and the customer display: pages and scripts; the data comes from the API
  routers.push(
    createPagesRouter({
      stores: deps.stores,
      guard: guarded,
      site: deps.site ?? "MLA",
      platform: deps.merchants !== undefined,
    }),
  );
  // one layer of the app for them all: a request enters only the routers under its first segment
  app.use(routed(...routers));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
