import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * The sellers' Mercado Pago tokens at rest (platform mode): AES-256-GCM, so a token read out of
 * the database, a backup or a log of a query is useless without TOKEN_ENCRYPTION_KEY, and one
 * altered in place fails to open instead of opening as something else. Pure: the keys come in.
 *
 * A sealed token is `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts). The key id says which
 * key sealed it, so after a rotation the previous key still opens the older ones
 * (docs/platform.md#key-rotation). `context` (e.g. `merchant:<id>:access`) is bound in as
 * additional data: a sealed token copied onto another merchant's row, or from the refresh token's
 * column into the access token's, does not open.
 */

export interface TokenKeys {
  /** seals every new token */
  current: Buffer;
  /** opens tokens sealed before a rotation */
  previous?: Buffer | undefined;
}

export class TokenCryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenCryptoError";
  }
}

const VERSION = "v1";
const IV_BYTES = 12; // GCM's recommended nonce length
const TAG_BYTES = 16;

/** A key's public name: the first 8 bytes of its SHA-256 in hex; reveals nothing of the key. */
export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new TokenCryptoError("a token key must be 32 bytes");
}

export function sealToken(
  plain: string,
  keys: TokenKeys,
  context: string,
): { sealed: string; keyId: string } {
  checkKey(keys.current);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keys.current, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  const keyId = keyIdOf(keys.current);
  const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url"));
  return { sealed: [VERSION, keyId, ...parts].join("."), keyId };
}

/** The key id a sealed token names, or null when the text is not a sealed token. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split(".");
  return parts.length === 5 && parts[0] === VERSION ? (parts[1] ?? null) : null;
}

/** Opens a sealed token; throws TokenCryptoError (never quoting it) when it cannot. */
export function openToken(sealed: string, keys: TokenKeys, context: string): string {
  const parts = sealed.split(".");
  const [version, keyId, iv, tag, body] = parts;
  if (parts.length !== 5 || version !== VERSION || !keyId || !iv || !tag || body === undefined) {
    throw new TokenCryptoError("not a sealed token");
  }
  const key = [keys.current, keys.previous].find((k) => k !== undefined && keyIdOf(k) === keyId);
  if (!key) {
    throw new TokenCryptoError(`the token was sealed with key ${keyId}, which is not configured`);
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    const plain = Buffer.concat([
      decipher.update(Buffer.from(body, "base64url")),
      decipher.final(),
    ]);
    return plain.toString("utf8");
  } catch {
    throw new TokenCryptoError("the sealed token was altered or belongs elsewhere");
  }
}
