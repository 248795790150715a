import { openToken, sealToken, type TokenKeys } from "../token-crypto.ts";
import type { SealedTokens } from "./merchant.ts";

/** A merchant's tokens in the clear: held in memory only, never logged, never answered. */
export interface MerchantTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

/**
 * Seals and opens one merchant's tokens. Each is bound to its merchant and its column (the
 * context), so a sealed token moved to another row or column does not open.
 */
export function createMerchantTokenBox(keys: TokenKeys) {
  const context = (merchantId: string, which: "access" | "refresh") =>
    `merchant:${merchantId}:${which}`;
  return {
    seal(merchantId: string, t: MerchantTokens): SealedTokens {
      const access = sealToken(t.accessToken, keys, context(merchantId, "access"));
      const refresh = sealToken(t.refreshToken, keys, context(merchantId, "refresh"));
      return {
        accessTokenSealed: access.sealed,
        refreshTokenSealed: refresh.sealed,
        tokenKeyId: access.keyId,
        tokenExpiresAt: t.expiresAt,
      };
    },
    open(merchantId: string, s: SealedTokens): MerchantTokens {
      return {
        accessToken: openToken(s.accessTokenSealed, keys, context(merchantId, "access")),
        refreshToken: openToken(s.refreshTokenSealed, keys, context(merchantId, "refresh")),
        expiresAt: s.tokenExpiresAt,
      };
    },
  };
}

export type MerchantTokenBox = ReturnType<typeof createMerchantTokenBox>;
