/** A merchant of a platform deployment (docs/platform.md) and what its status may be. */
export type MerchantStatus = "not_connected" | "connected" | "disconnected";

export interface Merchant {
  id: string;
  name: string;
  status: MerchantStatus;
  /** the connected Mercado Pago account's user id (the collector of its orders) */
  mercadopagoUserId: string | null;
  /** the account's site (MLA, MLB…), from GET /users/me */
  site: string | null;
  tokenExpiresAt: Date | null;
  connectedAt: Date | null;
  disconnectedReason: string | null;
  createdAt: Date;
}

/** A connected merchant's tokens, sealed (src/token-crypto.ts), as the database holds them. */
export interface SealedTokens {
  accessTokenSealed: string;
  refreshTokenSealed: string;
  tokenKeyId: string;
  tokenExpiresAt: Date;
}

/** What connecting a merchant writes: its account and its sealed tokens. */
export interface Connection extends SealedTokens {
  mercadopagoUserId: string;
  site: string;
}
