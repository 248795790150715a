import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createKeyring } from "../../src/auth.ts";

const FULL = "full-key-0123456789abcdef";
const STAFF = "staff-key-0123456789abcdef";
const POS = "pos-key-0123456789abcdef";
const HASHED = "hashed-key-0123456789abcdef";
const MERCHANT = "3F9A6C2E-1B7D-4E8A-9C0F-5D2B7A1E6C40";
const M_FULL = "merchant-full-0123456789abcdef";
const M_STAFF = "merchant-staff-0123456789abcdef";
const M_POS = "merchant-pos-0123456789abcdef";
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("the keyring (one digest lookup per request)", () => {
  const keyring = createKeyring({
    full: [FULL, `sha256:${sha(HASHED)}`, `${M_FULL}@merchant:${MERCHANT}`],
    staff: [STAFF, FULL, `sha256:${sha(M_STAFF)}@merchant:${MERCHANT}`],
    pos: [`${POS}@SUC001/CAJA1`, `${M_POS}@merchant:${MERCHANT}`],
  });

  it("names the role and binding of each configured key, plain or given as its digest", () => {
    expect(keyring.identify(`Bearer ${FULL}`)).toMatchObject({ role: "full", binding: null });
    expect(keyring.identify(`Bearer ${HASHED}`)).toMatchObject({ role: "full", binding: null });
    expect(keyring.identify(`Bearer ${STAFF}`)).toMatchObject({ role: "staff", binding: null });
    expect(keyring.identify(`bearer ${POS}`)).toMatchObject({
      role: "pos",
      binding: { storeId: "SUC001", posId: "CAJA1" },
    });
  });

  it("a merchant binding says whose data, the role still what it may do; unbound keys see all", () => {
    const merchantId = MERCHANT.toLowerCase();
    expect(keyring.identify(`Bearer ${FULL}`)).toMatchObject({ merchantId: null });
    expect(keyring.identify(`Bearer ${POS}`)).toMatchObject({ merchantId: null });
    expect(keyring.identify(`Bearer ${M_FULL}`)).toMatchObject({
      role: "full",
      binding: null,
      merchantId,
    });
    expect(keyring.identify(`Bearer ${M_STAFF}`)).toMatchObject({ role: "staff", merchantId });
    expect(keyring.identify(`Bearer ${M_POS}`)).toMatchObject({
      role: "pos",
      binding: null,
      merchantId,
    });
    // the binding is no part of the key: presenting it as written in the list is not a key
    expect(keyring.identify(`Bearer ${M_FULL}@merchant:${MERCHANT}`)).toBeNull();
  });

  it("a key listed under two roles keeps the first (full before staff before pos)", () => {
    expect(keyring.identify(`Bearer ${FULL}`)?.role).toBe("full");
  });

  it("no actor for an unknown key, a near miss or a malformed header", () => {
    expect(keyring.identify(`Bearer ${FULL}x`)).toBeNull();
    expect(keyring.identify(`Bearer ${FULL.slice(0, -1)}`)).toBeNull();
    expect(keyring.identify(`Bearer sha256:${sha(HASHED)}`)).toBeNull();
    expect(keyring.identify(FULL)).toBeNull();
    expect(keyring.identify(`Basic ${FULL}`)).toBeNull();
    expect(keyring.identify(undefined)).toBeNull();
  });

  it("the key id is stable, differs per key and reveals nothing of the key", () => {
    const a = keyring.identify(`Bearer ${FULL}`)?.keyId;
    expect(a).toBe(keyring.identify(`Bearer ${FULL}`)?.keyId);
    expect(a).toBe(sha(FULL).slice(0, 24));
    expect(a).not.toBe(keyring.identify(`Bearer ${STAFF}`)?.keyId);
    expect(a).not.toContain(FULL);
  });

  it("each call gets an actor of its own (a caller cannot change another request's)", () => {
    const first = keyring.identify(`Bearer ${POS}`);
    if (first?.binding) first.binding = null;
    first!.role = "full";
    expect(keyring.identify(`Bearer ${POS}`)).toMatchObject({ role: "pos" });
  });
});
