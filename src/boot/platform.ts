import type { Logger } from "pino";
import { MERCADO_PAGO_AUTH_URL, type Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import { createMerchantTokenRefresher } from "../jobs/merchant-token-refresher.ts";
import { createMerchantTokenBox, type MerchantTokenBox } from "../merchants/merchant-tokens.ts";
import {
  createMerchantsRepository,
  type MerchantsRepository,
} from "../merchants/merchants.repository.ts";
import { createMerchantsService } from "../merchants/merchants.service.ts";
import { createMercadoPagoClient } from "../mercadopago/mercadopago.client.ts";
import { createOAuthClient } from "../mercadopago/oauth.calls.ts";
import { createSellerClients, type SellerCredentials } from "../mercadopago/seller-credentials.ts";
import type { SellerRouting } from "../mercadopago/seller-routed.upstream.ts";
import { createStoresRepository } from "../stores/stores.repository.ts";
import { createMerchantCredentials } from "../merchants/merchant-credentials.ts";
import { observeMercadoPagoCalls } from "../metrics/mercadopago-calls.ts";
import { createTokenRefusalHandler } from "../merchants/token-refusal.ts";
import type { SiteId } from "../sites.ts";
import type { Upstream } from "./mercadopago.ts";

/**
 * Platform mode's parts (docs/platform.md), when MP_CLIENT_ID, MP_CLIENT_SECRET and
 * TOKEN_ENCRYPTION_KEY are set: the merchants, their OAuth connection at the same Mercado Pago
 * the service calls (or the simulator), and their sealed tokens. Null in single-merchant mode.
 */
export function buildPlatform(
  config: Config,
  logger: Logger,
  db: Database,
  upstream: Upstream,
  site: SiteId,
) {
  const platform = config.platform;
  if (!platform) return null;
  const repo = createMerchantsRepository(db.prisma);
  const box = createMerchantTokenBox(platform.tokenKeys);
  const oauth = createOAuthClient({
    baseUrl: upstream.baseUrl,
    clientId: platform.clientId,
    clientSecret: platform.clientSecret,
    timeoutMs: config.mercadoPago.timeoutMs,
    logger,
    observe: observeMercadoPagoCalls,
  });
  const merchants = createMerchantsService({
    repo,
    box,
    oauth,
    logger,
    config: {
      clientId: platform.clientId,
      // with the simulator, its authorization page (mounted at /simulator) stands in for Mercado Pago's
      authUrl:
        platform.authUrl ??
        (upstream.simulator
          ? `${config.publicBaseUrl}/simulator/authorization`
          : MERCADO_PAGO_AUTH_URL),
      redirectUri: platform.redirectUri,
      site,
    },
  });
  const refresher = createMerchantTokenRefresher({
    repo,
    box,
    oauth,
    logger,
    now: () => new Date(),
  });
  const clients = createMerchantClients({
    repo,
    box,
    baseUrl: upstream.baseUrl,
    defaultSeller: { accessToken: upstream.accessToken, collectorId: upstream.collectorId },
    timeoutMs: config.mercadoPago.timeoutMs,
    logger,
  });
  logger.info("platform mode: merchants connect their own Mercado Pago accounts by OAuth");
  const stores = createStoresRepository(db.prisma);
  const routing: SellerRouting = {
    merchantOfPos: (posId) => stores.merchantOfPos(posId),
    async merchantOfOrder(orderId) {
      const sale = await db.prisma.sale.findUnique({ where: { orderId }, select: { posId: true } });
      return sale ? stores.merchantOfPos(sale.posId) : null;
    },
    clientFor: (merchantId) => clients.clientFor(merchantId),
  };
  return { repo, box, oauth, merchants, refresher, clients, routing };
}

/**
 * Each merchant's Mercado Pago client (its token and user id), built on first use; a merchant's
 * call answered 401 (its grant revoked) marks the merchant disconnected.
 */
export function createMerchantClients(opts: {
  repo: MerchantsRepository;
  box: MerchantTokenBox;
  baseUrl: string;
  defaultSeller: SellerCredentials | null;
  timeoutMs: number;
  logger: Logger;
  /** tests: no retries */
  retries?: number;
}) {
  const refused = createTokenRefusalHandler(opts);
  return createSellerClients(createMerchantCredentials(opts), (c, merchantId) =>
    createMercadoPagoClient({
      baseUrl: opts.baseUrl,
      ...c,
      timeoutMs: opts.timeoutMs,
      logger: opts.logger,
      ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
      observe(http) {
        observeMercadoPagoCalls(http);
        // a merchant's token refused (revoked at Mercado Pago): the merchant is disconnected
        if (merchantId === null) return;
        http.interceptors.response.use((res) => {
          if (res.status === 401) void refused(merchantId, c.accessToken);
          return res;
        });
      },
    }),
  );
}
