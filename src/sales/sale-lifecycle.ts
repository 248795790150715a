import type { Sale } from "./sale.ts";

/**
 * How long after its order's expiration a failed, cancelled or expired sale is still looked up
 * for a late payment: a customer who scanned before the order expired (or was deleted) may still
 * be confirming in the app, and Mercado Pago's expiry is not to the second.
 */
export const LATE_PAYMENT_WATCH_MS = 2 * 60_000;

/**
 * Added to the cashier's deadline for the publication lease: the request that stored the sale is
 * over by then, so a sale still being published belongs to the sweeper.
 */
export const PUBLICATION_MARGIN_MS = 3_000;

/**
 * A publication is resumed (the order PUT again) only with this much of the order's life left:
 * an order about to expire could not be scanned and paid anyway.
 */
export const MIN_PUBLICATION_LIFE_MS = 30_000;

/** Until when a settled sale is watched for a late payment. */
export function watchEnd(sale: Pick<Sale, "expiresAt">): Date {
  return new Date(sale.expiresAt.getTime() + LATE_PAYMENT_WATCH_MS);
}

/** The first look of the late-payment watch for a sale settled now, or null when it is over. */
export function watchStart(sale: Pick<Sale, "expiresAt">, now: Date, afterMs: number): Date | null {
  const end = watchEnd(sale).getTime();
  if (now.getTime() >= end) return null;
  return new Date(Math.min(now.getTime() + afterMs, end));
}
