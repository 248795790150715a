import { AppError } from "../errors.ts";
import type {
  SellerCredentials,
  SellerCredentialsPort,
} from "../mercadopago/seller-credentials.ts";
import type { MerchantTokenBox } from "./merchant-tokens.ts";
import type { MerchantsRepository } from "./merchants.repository.ts";

/**
 * The credentials port filled from the merchants table: a connected merchant's own token (opened
 * here, never stored in the clear) and its user id; the default merchant's from the config.
 */
export function createMerchantCredentials(deps: {
  repo: Pick<MerchantsRepository, "find" | "findWithTokens">;
  box: MerchantTokenBox;
  /** MP_ACCESS_TOKEN's: stores without a merchant; unset on a platform without its own account */
  defaultSeller: SellerCredentials | null;
}): SellerCredentialsPort {
  return {
    async credentialsOf(merchantId) {
      if (merchantId === null) {
        if (deps.defaultSeller) return deps.defaultSeller;
        throw new AppError(
          "merchant_not_connected",
          "this store belongs to no merchant and the service has no MP_ACCESS_TOKEN of its own",
        );
      }
      const m = await deps.repo.findWithTokens(merchantId);
      if (!m) {
        const known = await deps.repo.find(merchantId);
        if (!known) throw new AppError("not_found", `no merchant ${merchantId} here`);
        const why =
          known?.status === "disconnected"
            ? `is disconnected from Mercado Pago (${known.disconnectedReason ?? "no reason given"})`
            : "has not connected its Mercado Pago account yet";
        throw new AppError(
          "merchant_not_connected",
          `this store's merchant ${why}; connect it with POST /merchants/${merchantId}/connect`,
          [{ merchant_id: merchantId, status: known.status }],
        );
      }
      // the table's CHECK: a connected merchant has its account's user id
      if (m.mercadopagoUserId === null) throw new Error(`merchant ${m.id} has no user id`);
      return { accessToken: deps.box.open(m.id, m).accessToken, collectorId: m.mercadopagoUserId };
    },
  };
}
