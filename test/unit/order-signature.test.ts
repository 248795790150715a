import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ORDER_SIGNATURE_WINDOW_MS, validOrderSignature } from "../../src/mercadopago/signature.ts";

const SECRET = "orders-signing-secret-0123456789";
const ID = "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3";
const REQUEST_ID = "2066ca19-c6f1-498a-be75-1923005edd06";
const NOW = 1_764_331_200_000; // ms

function sign(id: string, ts: number | string, secret = SECRET, requestId = REQUEST_ID) {
  const v1 = createHmac("sha256", secret)
    .update(`id:${id};request-id:${requestId};ts:${ts};`)
    .digest("hex");
  return `ts=${ts},v1=${v1}`;
}

describe("an Orders API notification's x-signature", () => {
  it.each([
    [
      "signed over the lower-cased data.id (the docs), ts in ms",
      sign(ID.toLowerCase(), NOW),
      ID,
      true,
    ],
    ["signed over data.id as received (the SDKs)", sign(ID, NOW), ID, true],
    ["ts in seconds", sign(ID, NOW / 1000), ID, true],
    ["ts in ms, a minute old", sign(ID, NOW - 60_000), ID, true],
    ["a wrong secret", sign(ID, NOW, "another-secret-0123456789abcdef"), ID, false],
    [
      "signed over another casing of data.id",
      sign("Ord01jq4s4ky8hwq6na5pxb65b3d3", NOW),
      ID,
      false,
    ],
    ["signed over another id", sign("ORD01JQ4S4KY8HWQ6NA5PXB65B3D4", NOW), ID, false],
    ["a stale ts (ms)", sign(ID, NOW - ORDER_SIGNATURE_WINDOW_MS - 1000), ID, false],
    ["a stale ts (seconds)", sign(ID, (NOW - ORDER_SIGNATURE_WINDOW_MS) / 1000 - 1), ID, false],
    [
      "a ts from the future beyond the window",
      sign(ID, NOW + ORDER_SIGNATURE_WINDOW_MS + 1000),
      ID,
      false,
    ],
    ["a missing header", "", ID, false],
    ["no v1", `ts=${NOW}`, ID, false],
    ["garbage", "ts=abc,v1=zz", ID, false],
  ])("%s", (_name, signature, dataId, valid) => {
    expect(validOrderSignature({ signature, requestId: REQUEST_ID, dataId }, [SECRET], NOW)).toBe(
      valid,
    );
  });

  it("a signature over a different x-request-id is refused", () => {
    const signature = sign(ID, NOW, SECRET, "another-request");
    expect(
      validOrderSignature({ signature, requestId: REQUEST_ID, dataId: ID }, [SECRET], NOW),
    ).toBe(false);
  });

  it("any of several configured secrets (a rotation) is accepted", () => {
    const signature = sign(ID, NOW);
    expect(
      validOrderSignature(
        { signature, requestId: REQUEST_ID, dataId: ID },
        ["old-secret-0123456789abcdef", SECRET],
        NOW,
      ),
    ).toBe(true);
  });
});
