import axios, { type AxiosInstance } from "axios";
import type { Logger } from "pino";
import { z } from "zod";
import {
  MercadoPagoError,
  errorFromResponse,
  toError,
  withoutToken,
} from "./mercadopago.errors.ts";
import { UserSchema } from "./mercadopago.schemas.ts";

/**
 * Mercado Pago's OAuth (platform mode): `POST /oauth/token` for the authorization-code grant
 * (with the PKCE verifier) and the refresh-token grant, and `GET /users/me` with a seller's new
 * token. Documented answer: access_token, refresh_token, user_id, expires_in (15552000 s, 180
 * days), public_key, scope, token_type, live_mode. UNCONFIRMED by the docs, and so read
 * leniently: whether the body may be JSON as well as a form (we send JSON, as Mercado Pago's own
 * SDKs do), the error body of a refused code or refresh token (read as 400 `invalid_grant`, as
 * RFC 6749 has it), and whether a refresh answers a new refresh token (kept when it does).
 */

const TokenAnswerSchema = z.looseObject({
  access_token: z.string().min(1).max(4096),
  refresh_token: z.string().min(1).max(4096),
  user_id: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]),
  expires_in: z.number().int().positive(),
  public_key: z.string().nullish(),
  scope: z.string().nullish(),
});

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  userId: string;
  /** seconds the access token lives */
  expiresIn: number;
  publicKey: string | null;
  scope: string | null;
}

export interface OAuthCalls {
  exchangeCode(input: {
    code: string;
    redirectUri: string;
    codeVerifier: string;
  }): Promise<OAuthTokens>;
  refresh(refreshToken: string): Promise<OAuthTokens>;
  /** The account a token belongs to, and its site. */
  currentUser(accessToken: string): Promise<{ userId: string; siteId: string | null }>;
}

export interface OAuthClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  logger: Logger;
  observe?: (http: AxiosInstance) => void;
}

/**
 * Whether Mercado Pago refused a grant for good: the seller revoked it, or it expired. Our own
 * client credentials being refused (invalid_client) says nothing of the seller's grant.
 */
export function isRevokedGrant(err: unknown): boolean {
  if (!(err instanceof MercadoPagoError) || err.code === "invalid_client") return false;
  return (
    err.status === 401 ||
    err.status === 403 ||
    (err.status === 400 && (err.code === "invalid_grant" || err.code === "invalid_token"))
  );
}

export function createOAuthClient(opts: OAuthClientOptions): OAuthCalls {
  const http = axios.create({
    baseURL: opts.baseUrl,
    timeout: opts.timeoutMs,
    headers: { Accept: "application/json" },
    validateStatus: () => true,
    maxRedirects: 0,
  });
  opts.observe?.(http);
  const log = opts.logger.child({ component: "mercadopago-oauth" });
  // every secret that may be echoed in an upstream message, hidden from our errors
  const hide = (err: MercadoPagoError, secrets: string[]) =>
    [opts.clientSecret, ...secrets].reduce(withoutToken, err);

  async function token(body: Record<string, string>, secrets: string[]): Promise<OAuthTokens> {
    const res = await http
      .post(
        "/oauth/token",
        { client_id: opts.clientId, client_secret: opts.clientSecret, ...body },
        { signal: AbortSignal.timeout(opts.timeoutMs) },
      )
      .catch((err: unknown) => {
        throw hide(toError(err), secrets);
      });
    log.debug({ grant: body.grant_type, status: res.status }, "oauth token call");
    if (res.status !== 200 && res.status !== 201) throw hide(errorFromResponse(res), secrets);
    const parsed = TokenAnswerSchema.safeParse(res.data);
    if (!parsed.success) {
      throw new MercadoPagoError(
        "unavailable",
        "unreadable token answer from Mercado Pago",
        res.status,
      );
    }
    const t = parsed.data;
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      userId: String(t.user_id),
      expiresIn: t.expires_in,
      publicKey: t.public_key ?? null,
      scope: t.scope ?? null,
    };
  }

  return {
    exchangeCode: ({ code, redirectUri, codeVerifier }) =>
      token(
        {
          grant_type: "authorization_code",
          code,
          redirect_uri: redirectUri,
          code_verifier: codeVerifier,
        },
        [code, codeVerifier],
      ),
    refresh: (refreshToken) =>
      token({ grant_type: "refresh_token", refresh_token: refreshToken }, [refreshToken]),
    async currentUser(accessToken) {
      const res = await http
        .get("/users/me", {
          headers: { Authorization: `Bearer ${accessToken}` },
          signal: AbortSignal.timeout(opts.timeoutMs),
        })
        .catch((err: unknown) => {
          throw hide(toError(err), [accessToken]);
        });
      if (res.status !== 200) throw hide(errorFromResponse(res), [accessToken]);
      const user = UserSchema.safeParse(res.data);
      if (!user.success) {
        throw new MercadoPagoError("unavailable", "unreadable user from Mercado Pago", res.status);
      }
      return { userId: String(user.data.id), siteId: user.data.site_id ?? null };
    },
  };
}
