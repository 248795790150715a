import type { Logger } from "pino";
import { MercadoPagoError, type MercadoPagoClient } from "../mercadopago/mercadopago.client.ts";
import { createSellerClients, type SellerCredentials } from "../mercadopago/seller-credentials.ts";
import { createMerchantCredentials } from "./merchant-credentials.ts";
import type { MerchantTokenBox } from "./merchant-tokens.ts";
import type { MerchantsRepository } from "./merchants.repository.ts";
import { createTokenRefusals } from "./token-refusals.ts";

/**
 * Each merchant's Mercado Pago client, from its sealed token, watched: a call whose token
 * Mercado Pago refuses (401) has the token looked at again, and a revoked one disconnects the
 * merchant (token-refusals.ts). `clientOf` makes a client with the service's settings.
 */
export function createMerchantClients(deps: {
  repo: Pick<MerchantsRepository, "find" | "findWithTokens" | "markDisconnected">;
  box: MerchantTokenBox;
  /** MP_ACCESS_TOKEN's: stores without a merchant; null on a platform without its own account */
  defaultSeller: SellerCredentials | null;
  clientOf: (c: SellerCredentials) => MercadoPagoClient;
  logger: Logger;
}) {
  const refusals = createTokenRefusals({
    repo: deps.repo,
    box: deps.box,
    logger: deps.logger,
    async check(accessToken) {
      try {
        // only /users/me is called: no collector id is needed
        await deps.clientOf({ accessToken, collectorId: "" }).getCurrentUser();
        return "accepted";
      } catch (err) {
        return err instanceof MercadoPagoError && err.status === 401 ? "refused" : "unknown";
      }
    },
  });
  const clients = createSellerClients(
    createMerchantCredentials(deps),
    deps.clientOf,
    (merchantId, accessToken) => void refusals.refused(merchantId, accessToken),
  );
  return { clients, refusals };
}
