/**
 * When a merchant's token is refreshed, and how long a failed refresh waits (pure). Mercado
 * Pago's tokens live 180 days; refreshing once less than 30 days remain leaves a month of retries
 * for an outage before any sale is refused.
 */

export const DAY_MS = 86_400_000;
/** refresh once less than this remains */
export const REFRESH_WINDOW_MS = 30 * DAY_MS;
/** how long one replica holds a merchant while it refreshes */
export const REFRESH_LEASE_MS = 2 * 60_000;

const FIRST_RETRY_MS = 60_000;
const LONGEST_RETRY_MS = 6 * 3_600_000;

export function refreshDue(expiresAt: Date, now: Date, windowMs = REFRESH_WINDOW_MS): boolean {
  return expiresAt.getTime() - now.getTime() < windowMs;
}

/** A minute after the first failure, doubling, at most 6 hours; ±20 % so replicas spread. */
export function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures), LONGEST_RETRY_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}
