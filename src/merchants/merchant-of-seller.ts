import type { MerchantsRepository } from "./merchants.repository.ts";

/** How long an answer is kept: a merchant connecting is seen within this. */
const KEEP_MS = 10_000;
/** Most answers kept; past it the oldest goes (a Map keeps insertion order). */
const MAX_KEPT = 1000;

/**
 * Which merchant a Mercado Pago account (an Orders API webhook's `user_id`) is: the connected
 * merchant with that user id, or null (the default merchant's own account, or an account no
 * merchant has: read with the default token, as before platform mode). Answers are kept a few
 * seconds, so a burst of one seller's webhooks costs one query.
 */
export function createMerchantOfSeller(deps: {
  repo: Pick<MerchantsRepository, "findConnectedByUserId">;
  /** MP_COLLECTOR_ID's (the default merchant's account); null when the service has none */
  defaultUserId: string | null;
  now?: () => number;
}): (userId: string) => Promise<string | null> {
  const now = deps.now ?? Date.now;
  const kept = new Map<string, { merchantId: string | null; at: number }>();
  return async (userId) => {
    if (userId === deps.defaultUserId) return null;
    const known = kept.get(userId);
    if (known && now() - known.at < KEEP_MS) return known.merchantId;
    const merchantId = (await deps.repo.findConnectedByUserId(userId))?.id ?? null;
    kept.delete(userId);
    kept.set(userId, { merchantId, at: now() });
    if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value as string);
    return merchantId;
  };
}
