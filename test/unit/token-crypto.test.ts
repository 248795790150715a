import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  TokenCryptoError,
  keyIdOf,
  openToken,
  sealToken,
  sealedKeyId,
} from "../../src/token-crypto.ts";

const KEY = randomBytes(32);
const OTHER = randomBytes(32);
const TOKEN = "APP_USR-1234567890123456-120812-abcdef0123456789abcdef0123456789-987654321";
const CTX = "merchant:0b7c6c1e-7a53-4d0f-9d55-3f1a2b9c8e10:access";

/** The sealed text with one character of part `index` changed. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split(".");
  const part = parts[index]!;
  const i = Math.floor(part.length / 2);
  parts[index] = part.slice(0, i) + (part[i] === "A" ? "B" : "A") + part.slice(i + 1);
  return parts.join(".");
}

describe("token sealing (AES-256-GCM)", () => {
  it("opens what it sealed, and the sealed text holds no part of the token", () => {
    const { sealed, keyId } = sealToken(TOKEN, { current: KEY }, CTX);
    expect(keyId).toBe(keyIdOf(KEY));
    expect(sealedKeyId(sealed)).toBe(keyId);
    expect(sealed).not.toContain("APP_USR");
    expect(sealed).not.toContain("987654321");
    expect(openToken(sealed, { current: KEY }, CTX)).toBe(TOKEN);
  });

  it("seals the same token differently each time (a fresh nonce)", () => {
    const a = sealToken(TOKEN, { current: KEY }, CTX).sealed;
    const b = sealToken(TOKEN, { current: KEY }, CTX).sealed;
    expect(a).not.toBe(b);
  });

  it("a tampered nonce, tag or ciphertext fails to open", () => {
    const { sealed } = sealToken(TOKEN, { current: KEY }, CTX);
    for (const part of [2, 3, 4]) {
      expect(() => openToken(tamper(sealed, part), { current: KEY }, CTX)).toThrow(
        TokenCryptoError,
      );
    }
    const truncated = sealed.slice(0, -4);
    expect(() => openToken(truncated, { current: KEY }, CTX)).toThrow(TokenCryptoError);
  });

  it("does not open under another context (another merchant's row, the other column)", () => {
    const { sealed } = sealToken(TOKEN, { current: KEY }, CTX);
    expect(() => openToken(sealed, { current: KEY }, CTX.replace("access", "refresh"))).toThrow(
      /altered or belongs elsewhere/,
    );
  });

  it("does not open with a wrong key, and says which key it needs without quoting the token", () => {
    const { sealed } = sealToken(TOKEN, { current: KEY }, CTX);
    let error: unknown;
    try {
      openToken(sealed, { current: OTHER }, CTX);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TokenCryptoError);
    expect((error as Error).message).toContain(keyIdOf(KEY));
    expect((error as Error).message).not.toContain(TOKEN);
    // a key id forged to name the configured key still fails on the tag
    const forged = sealed.replace(keyIdOf(KEY), keyIdOf(OTHER));
    expect(() => openToken(forged, { current: OTHER }, CTX)).toThrow(TokenCryptoError);
  });

  it("after a rotation the previous key opens older tokens and new ones use the new key", () => {
    const old = sealToken(TOKEN, { current: KEY }, CTX);
    const rotated = { current: OTHER, previous: KEY };
    expect(openToken(old.sealed, rotated, CTX)).toBe(TOKEN);
    const fresh = sealToken(TOKEN, rotated, CTX);
    expect(fresh.keyId).toBe(keyIdOf(OTHER));
    expect(openToken(fresh.sealed, { current: OTHER }, CTX)).toBe(TOKEN);
    // once the previous key is dropped, the old token no longer opens
    expect(() => openToken(old.sealed, { current: OTHER }, CTX)).toThrow(/not configured/);
  });

  it("refuses text that is not a sealed token, and keys that are not 32 bytes", () => {
    for (const text of ["", TOKEN, "v2.a.b.c.d", "v1.a.b.c"]) {
      expect(() => openToken(text, { current: KEY }, CTX)).toThrow(TokenCryptoError);
      expect(sealedKeyId(text)).toBeNull();
    }
    expect(() => sealToken(TOKEN, { current: randomBytes(16) }, CTX)).toThrow(/32 bytes/);
  });
});
