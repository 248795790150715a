import type { Logger } from "pino";
import { MERCADO_PAGO_AUTH_URL, type Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import { createMerchantTokenRefresher } from "../jobs/merchant-token-refresher.ts";
import { createMerchantTokenBox } from "../merchants/merchant-tokens.ts";
import { createMerchantsRepository } from "../merchants/merchants.repository.ts";
import { createMerchantsService } from "../merchants/merchants.service.ts";
import { createMercadoPagoClient } from "../mercadopago/mercadopago.client.ts";
import { createOAuthClient } from "../mercadopago/oauth.calls.ts";
import type { SellerRouting } from "../mercadopago/seller-routed.upstream.ts";
import { createStoresRepository } from "../stores/stores.repository.ts";
import { createMerchantClients } from "../merchants/seller-clients.ts";
import { createMerchantOfSeller } from "../merchants/merchant-of-seller.ts";
import { observeMercadoPagoCalls } from "../metrics/mercadopago-calls.ts";
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
  const clientOf = (c: { accessToken: string; collectorId: string }) =>
    createMercadoPagoClient({
      baseUrl: upstream.baseUrl,
      ...c,
      timeoutMs: config.mercadoPago.timeoutMs,
      logger,
      observe: observeMercadoPagoCalls,
    });
  const { clients } = createMerchantClients({
    repo,
    box,
    defaultSeller: { accessToken: upstream.accessToken, collectorId: upstream.collectorId },
    clientOf,
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
  // Orders API webhooks name their seller by user_id: its merchant's token reads them
  const merchantOfSeller = createMerchantOfSeller({ repo, defaultUserId: upstream.collectorId });
  return { repo, box, oauth, merchants, refresher, clients, routing, merchantOfSeller };
}
