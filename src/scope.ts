/**
 * The sales a caller may see and act on: all of them, or those of one store (and, when `posId`
 * is set, of one POS of it). Routes derive it from the caller's key; services only apply it.
 * It lives below the features because stores, sales and pages all check a place against it.
 */
export type SaleScope = "all" | { storeId: string; posId: string | null };

/** Whether a sale or POS (its store's and its own external id) lies inside the scope. */
export function inScope(place: { storeId: string; posId: string }, scope: SaleScope): boolean {
  if (scope === "all") return true;
  if (place.storeId !== scope.storeId) return false;
  return scope.posId === null || place.posId === scope.posId;
}
