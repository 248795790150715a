import type { Merchant } from "./merchant.ts";
import type { MerchantBody } from "./merchants.schemas.ts";

/** A merchant as the API shows it: its account and token expiry, never a token. */
export function presentMerchant(m: Merchant): MerchantBody {
  return {
    id: m.id,
    name: m.name,
    status: m.status,
    mercadopago_user_id: m.mercadopagoUserId,
    site: m.site,
    token_expires_at: m.tokenExpiresAt?.toISOString() ?? null,
    connected_at: m.connectedAt?.toISOString() ?? null,
    disconnected_reason: m.disconnectedReason,
    created_at: m.createdAt.toISOString(),
  };
}
