/** Sale statuses and the only moves between them. */
export const SALE_STATUSES = [
  "pending",
  "paid",
  "cancelled",
  "expired",
  "failed",
  "refunded",
] as const;
export type SaleStatus = (typeof SALE_STATUSES)[number];

/**
 * Forward-only transitions. `paid` wins every race: a payment Mercado Pago confirms after we gave
 * up on a sale (cancelled, expired, failed) still makes it `paid`, because the customer's money was
 * taken and staff must see it to hand the goods over or refund. Nothing ever returns to `pending`.
 */
const TRANSITIONS: Record<SaleStatus, readonly SaleStatus[]> = {
  pending: ["paid", "cancelled", "expired", "failed"],
  paid: ["refunded"],
  cancelled: ["paid"],
  expired: ["paid"],
  failed: ["paid"],
  refunded: [],
};

export function canTransition(from: SaleStatus, to: SaleStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses a sale may be in for a move to `to`. */
export function sourcesOf(to: SaleStatus): SaleStatus[] {
  return SALE_STATUSES.filter((from) => canTransition(from, to));
}

export function isSaleStatus(s: string): s is SaleStatus {
  return (SALE_STATUSES as readonly string[]).includes(s);
}
