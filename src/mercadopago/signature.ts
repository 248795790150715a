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
  const parsed = parseSignature(n.signature);
  return parsed !== null && matches(parsed, n.dataId, n.requestId, secret);
}

function parseSignature(signature: string): { ts: string; v1: Buffer } | null {
  if (signature.length > 512) return null;
  const parts = new Map<string, string>();
  for (const part of signature.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const ts = parts.get("ts");
  const v1 = parts.get("v1");
  if (!ts || !TS.test(ts) || !v1 || !V1.test(v1)) return null;
  return { ts, v1: Buffer.from(v1, "hex") };
}

function matches(
  sig: { ts: string; v1: Buffer },
  dataId: string | undefined,
  requestId: string | undefined,
  secret: string,
): boolean {
  let manifest = "";
  if (dataId) manifest += `id:${dataId};`;
  if (requestId) manifest += `request-id:${requestId};`;
  manifest += `ts:${sig.ts};`;
  const expected = createHmac("sha256", secret).update(manifest, "utf8").digest();
  return timingSafeEqual(expected, sig.v1);
}

/** How far an Orders API notification's `ts` may be from our clock, either way. */
export const ORDER_SIGNATURE_WINDOW_MS = 10 * 60_000;

/**
 * Checks the x-signature of an Orders API notification (topic `order`), which Mercado Pago
 * signs (reference/mercadopago-orders-api.md §4.3). The sources disagree on two points
 * (UNCONFIRMED, §9.4), so both readings are accepted: the docs sign `data.id` lower-cased, the
 * official SDKs (since 2026-06) as received; the docs give `ts` in milliseconds, the SDKs check it as seconds (13 digits or
 * more are read as milliseconds). A `ts` outside the window either way is refused: a replayed
 * old delivery costs nothing. The signature is a filter only: the order is always read from
 * Mercado Pago by id before anything is decided.
 */
export function validOrderSignature(
  n: SignedNotification,
  secrets: readonly string[],
  now = Date.now(),
  windowMs = ORDER_SIGNATURE_WINDOW_MS,
): boolean {
  const sig = parseSignature(n.signature);
  if (!sig) return false;
  const ts = Number(sig.ts);
  const tsMs = sig.ts.length >= 13 ? ts : ts * 1000;
  if (!Number.isFinite(tsMs) || Math.abs(now - tsMs) > windowMs) return false;
  const ids = [...new Set([n.dataId, n.dataId?.toLowerCase()])];
  let valid = false;
  // every candidate is computed, so the time taken does not tell which one matched
  for (const secret of secrets) {
    for (const id of ids) valid = matches(sig, id, n.requestId, secret) || valid;
  }
  return valid;
}
