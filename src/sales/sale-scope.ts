import type { Sale } from "./sale.ts";

/**
 * The sales a caller may see and act on: all of them, or those of one store (and, when `posId`
 * is set, of one POS of it). Routes derive it from the caller's key; services only apply it.
 */
export type SaleScope = "all" | { storeId: string; posId: string | null };

export function inScope(sale: Pick<Sale, "storeId" | "posId">, scope: SaleScope): boolean {
  if (scope === "all") return true;
  if (sale.storeId !== scope.storeId) return false;
  return scope.posId === null || sale.posId === scope.posId;
}
