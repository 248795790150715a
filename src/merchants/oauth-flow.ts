import { createHash, randomBytes } from "node:crypto";

/**
 * The pure parts of the authorization-code flow with PKCE (RFC 7636): a state and a verifier
 * drawn fresh for each connection, the S256 challenge, and Mercado Pago's authorization URL.
 */

/** How long a seller has between opening the connect URL and coming back. */
export const STATE_TTL_MS = 15 * 60_000;

/** 32 random bytes in base64url: 43 characters, what RFC 7636 asks of a verifier at most 128. */
export const randomSecret = (): string => randomBytes(32).toString("base64url");

/** The database keeps a state only as this digest: a leaked table cannot finish a connection. */
export const stateHash = (state: string): string =>
  createHash("sha256").update(state, "utf8").digest("hex");

/** PKCE S256: base64url(SHA-256(verifier)). */
export const codeChallenge = (verifier: string): string =>
  createHash("sha256").update(verifier, "ascii").digest("base64url");

export function authorizationUrl(p: {
  authUrl: string;
  clientId: string;
  redirectUri: string;
  state: string;
  codeVerifier: string;
}): string {
  const url = new URL(p.authUrl);
  url.searchParams.set("client_id", p.clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("platform_id", "mp");
  url.searchParams.set("state", p.state);
  url.searchParams.set("redirect_uri", p.redirectUri);
  url.searchParams.set("code_challenge", codeChallenge(p.codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}
