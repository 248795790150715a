import { createHmac, timingSafeEqual } from "node:crypto";

export interface SignedNotification {
  /** the x-signature header: "ts=<digits>,v1=<hex HMAC>" */
  signature: string;
  /** the x-request-id header */
  requestId: string | undefined;
  /** `data.id` from the query string (not from the body) */
  dataId: string | undefined;
}

const TS = /^\d{1,20}$/;
const V1 = /^[0-9a-fA-F]{64}$/;

/**
 * Checks Mercado Pago's x-signature: v1 is the hex HMAC-SHA256, keyed with the application's
 * signing secret, of the manifest `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`, where a
 * part whose value is absent is left out. QR notifications are not signed, so the caller only
 * asks when the header is there. No clock window is enforced on `ts` (its unit is unclear).
 */
export function validMercadoPagoSignature(n: SignedNotification, secret: string): boolean {
  if (n.signature.length > 512) return false;
  const parts = new Map<string, string>();
  for (const part of n.signature.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const ts = parts.get("ts");
  const v1 = parts.get("v1");
  if (!ts || !TS.test(ts) || !v1 || !V1.test(v1)) return false;

  let manifest = "";
  if (n.dataId) manifest += `id:${n.dataId};`;
  if (n.requestId) manifest += `request-id:${n.requestId};`;
  manifest += `ts:${ts};`;
  const expected = createHmac("sha256", secret).update(manifest, "utf8").digest();
  return timingSafeEqual(expected, Buffer.from(v1, "hex"));
}
