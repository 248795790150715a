// Mercado Pago's OAuth as the simulator plays it (platform mode of the service): sellers who
// authorize an application, one-time codes bound to the PKCE challenge and the redirect URI,
// access tokens that expire and can be revoked, refresh tokens used once each.

import { createHash, randomBytes } from "node:crypto";

export interface SimulatedSeller {
  userId: number;
  siteId: string;
  nickname: string;
}

export interface OAuthServerOptions {
  clientId: string;
  clientSecret: string;
  /** the accounts that can authorize; default two of MLA and one of MLB */
  sellers?: SimulatedSeller[];
  /** seconds an access token lives; Mercado Pago documents 180 days */
  tokenTtlSeconds?: number;
  now?: () => number;
}

/** RFC 6749's error answer, as the simulator's token endpoint gives it (UNCONFIRMED shape). */
export interface OAuthFailure {
  status: number;
  body: { error: string; message: string; status: number };
}

export interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  user_id: number;
  expires_in: number;
  public_key: string;
  scope: string;
  token_type: "bearer";
  live_mode: boolean;
}

export const DEFAULT_SELLERS: SimulatedSeller[] = [
  { userId: 700000001, siteId: "MLA", nickname: "SELLER_A" },
  { userId: 700000002, siteId: "MLA", nickname: "SELLER_B" },
  { userId: 700000003, siteId: "MLB", nickname: "SELLER_BR" },
];

const CODE_TTL_MS = 10 * 60_000;
const secret = () => randomBytes(24).toString("hex");
const s256 = (verifier: string) =>
  createHash("sha256").update(verifier, "ascii").digest("base64url");

interface PendingCode {
  userId: number;
  redirectUri: string;
  challenge: string | null;
  expiresAt: number;
}

export function createOAuthServer(opts: OAuthServerOptions) {
  const now = opts.now ?? Date.now;
  const ttl = opts.tokenTtlSeconds ?? 15_552_000;
  const sellers = new Map((opts.sellers ?? DEFAULT_SELLERS).map((s) => [s.userId, s]));
  const codes = new Map<string, PendingCode>();
  const access = new Map<string, { userId: number; expiresAt: number }>();
  const refresh = new Map<string, number>();
  /** how many token answers each grant type gave, for tests that count refreshes */
  const issued = { authorization_code: 0, refresh_token: 0 };

  const fail = (status: number, error: string, message: string): OAuthFailure => ({
    status,
    body: { error, message, status },
  });

  function issue(userId: number): TokenAnswer {
    const accessToken = `APP_USR-${userId}-${secret()}`;
    const refreshToken = `TG-${secret()}-${userId}`;
    access.set(accessToken, { userId, expiresAt: now() + ttl * 1000 });
    refresh.set(refreshToken, userId);
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      user_id: userId,
      expires_in: ttl,
      public_key: `APP_USR-pk-${userId}`,
      scope: "offline_access read write",
      token_type: "bearer",
      live_mode: false,
    };
  }

  return {
    clientId: opts.clientId,
    sellers: () => [...sellers.values()],
    issued,
    /** The seller approved: a one-time code for this client, redirect URI and challenge. */
    approve(p: {
      userId: number;
      clientId: string;
      redirectUri: string;
      codeChallenge: string | null;
      codeChallengeMethod: string | null;
    }): string | OAuthFailure {
      if (p.clientId !== opts.clientId) return fail(400, "invalid_client", "unknown client_id");
      if (!sellers.has(p.userId)) return fail(400, "invalid_request", "unknown seller");
      if (p.codeChallenge !== null && p.codeChallengeMethod !== "S256") {
        return fail(400, "invalid_request", "code_challenge_method must be S256");
      }
      const code = `TG-${secret()}`;
      codes.set(code, {
        userId: p.userId,
        redirectUri: p.redirectUri,
        challenge: p.codeChallenge,
        expiresAt: now() + CODE_TTL_MS,
      });
      return code;
    },
    /** `POST /oauth/token`: authorization_code (with the PKCE check) or refresh_token. */
    token(body: Record<string, unknown>): TokenAnswer | OAuthFailure {
      const str = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : "");
      if (str("client_id") !== opts.clientId || str("client_secret") !== opts.clientSecret) {
        return fail(401, "invalid_client", "invalid client_id or client_secret");
      }
      const grant = str("grant_type");
      if (grant === "authorization_code") {
        const pending = codes.get(str("code"));
        codes.delete(str("code")); // a code is used once, whatever the outcome
        if (!pending || pending.expiresAt <= now()) {
          return fail(400, "invalid_grant", "invalid or expired authorization code");
        }
        if (pending.redirectUri !== str("redirect_uri")) {
          return fail(400, "invalid_grant", "redirect_uri does not match the authorization");
        }
        if (pending.challenge !== null && s256(str("code_verifier")) !== pending.challenge) {
          return fail(400, "invalid_grant", "code_verifier does not match the code_challenge");
        }
        issued.authorization_code += 1;
        return issue(pending.userId);
      }
      if (grant === "refresh_token") {
        const userId = refresh.get(str("refresh_token"));
        if (userId === undefined) return fail(400, "invalid_grant", "invalid refresh_token");
        refresh.delete(str("refresh_token"));
        issued.refresh_token += 1;
        return issue(userId);
      }
      return fail(
        400,
        "unsupported_grant_type",
        `grant_type ${grant || "(none)"} is not supported`,
      );
    },
    /** The seller an unexpired, unrevoked access token is for; null otherwise. */
    sellerOf(accessToken: string): SimulatedSeller | null {
      const t = access.get(accessToken);
      if (!t || t.expiresAt <= now()) return null;
      return sellers.get(t.userId) ?? null;
    },
    /** The seller withdrew the application's access: every token of theirs stops working. */
    revoke(userId: number): number {
      let count = 0;
      for (const [token, t] of access) {
        if (t.userId === userId) {
          access.delete(token);
          count += 1;
        }
      }
      for (const [token, id] of refresh) if (id === userId) refresh.delete(token);
      return count;
    },
  };
}

export type OAuthServer = ReturnType<typeof createOAuthServer>;
