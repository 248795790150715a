import type { Request, RequestHandler } from "express";
import { actorOf, findActor } from "./auth.ts";
import { AppError } from "./errors.ts";

/**
 * The sales a caller may see and act on: all of them, those of one store (and, when `posId` is
 * set, of one POS of it), or those of one merchant's stores (a key bound to a merchant, platform
 * mode). Routes derive it from the caller's key; services only apply it. It lives below the
 * features because stores, sales and pages all check a place against it.
 */
export type SaleScope =
  | "all"
  | { storeId: string; posId: string | null }
  | { merchantId: string; storeIds: readonly string[] };

/** Whether a sale or POS (its store's and its own external id) lies inside the scope. */
export function inScope(place: { storeId: string; posId: string }, scope: SaleScope): boolean {
  if (scope === "all") return true;
  if ("merchantId" in scope) return scope.storeIds.includes(place.storeId);
  if (place.storeId !== scope.storeId) return false;
  return scope.posId === null || place.posId === scope.posId;
}

/** Whether a store (its external id) lies inside the scope: any of its POS may be seen. */
export function storeInScope(storeId: string, scope: SaleScope): boolean {
  if (scope === "all") return true;
  if ("merchantId" in scope) return scope.storeIds.includes(storeId);
  return scope.storeId === storeId;
}

/** The external ids of a merchant's stores (one query). */
export type StoresOfMerchant = (merchantId: string) => Promise<readonly string[]>;

const merchantScopes = new WeakMap<Request, SaleScope>();

/**
 * After requireActor: for a key bound to a merchant, reads that merchant's stores once and keeps
 * them as the request's scope. Without a way to read them (no stores in this app) the merchant
 * sees no store at all: a binding never widens into everything.
 */
export function loadMerchantScope(storesOf: StoresOfMerchant | undefined): RequestHandler {
  return (req, _res, next) => {
    const merchantId = findActor(req)?.merchantId;
    if (!merchantId || merchantScopes.has(req)) return next();
    (storesOf ? storesOf(merchantId) : Promise.resolve([]))
      .then((storeIds) => {
        merchantScopes.set(req, { merchantId, storeIds });
        next();
      })
      .catch(next);
  };
}

/**
 * The sales the caller may see: a bound POS key its store's (or its POS's), a merchant's key its
 * merchant's stores', every other key all. A merchant's key on a route that never loaded its
 * scope is a wiring mistake, refused rather than shown everything.
 */
export function scopeOf(req: Request): SaleScope {
  const actor = actorOf(req);
  if (actor.binding) return { storeId: actor.binding.storeId, posId: actor.binding.posId };
  if (actor.merchantId === null) return "all";
  const scope = merchantScopes.get(req);
  if (!scope) throw new Error("a merchant's key reached a route without its merchant scope");
  return scope;
}

/** The merchant a caller's key is bound to, or null for a key of the whole platform. */
export const merchantOf = (req: Request): string | null => actorOf(req).merchantId;

/** 403 for a key bound to a merchant: the route acts on the whole platform. */
export function platformWide(action: string): RequestHandler {
  return (req, _res, next) => {
    next(
      findActor(req)?.merchantId
        ? new AppError("forbidden", `API keys bound to a merchant may not ${action}`)
        : undefined,
    );
  };
}
