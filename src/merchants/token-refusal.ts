import type { Logger } from "pino";
import type { MerchantTokenBox } from "./merchant-tokens.ts";
import type { MerchantsRepository } from "./merchants.repository.ts";

export const REFUSED_TOKEN_REASON =
  "Mercado Pago refused its access token (401: the seller revoked the access, or it expired): connect again";

/**
 * A merchant's access token answered 401 at Mercado Pago: the grant is gone, so the merchant is
 * marked disconnected (its POS then answer 409 merchant_not_connected in words, and the dashboard
 * offers "Connect again"). Only when the refused token is still the one stored: a call that went
 * out with a token refreshed since does not disconnect a healthy merchant.
 */
export function createTokenRefusalHandler(deps: {
  repo: Pick<MerchantsRepository, "findWithTokens" | "markDisconnected">;
  box: MerchantTokenBox;
  logger: Logger;
}) {
  const log = deps.logger.child({ component: "merchant-tokens" });
  return async function refused(merchantId: string, accessToken: string): Promise<void> {
    try {
      const m = await deps.repo.findWithTokens(merchantId);
      if (!m || deps.box.open(m.id, m).accessToken !== accessToken) return;
      if (await deps.repo.markDisconnected(merchantId, REFUSED_TOKEN_REASON)) {
        log.warn({ merchantId }, "merchant disconnected: Mercado Pago refused its token (401)");
      }
    } catch (err) {
      log.error({ err, merchantId }, "could not record a merchant's refused token");
    }
  };
}
