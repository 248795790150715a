import { AppError } from "../errors.ts";
import { inScope, type SaleScope } from "../scope.ts";
import type { Sale } from "./sale.ts";
import { createSaleCancelling } from "./sales.cancel.ts";
import { createSalesContext, type SalesServiceDeps } from "./sales.context.ts";
import { createSaleCreation } from "./sales.create.ts";
import { createSalePublication } from "./sales.publication.ts";
import { createSaleReconciling } from "./sales.reconcile.ts";
import { createSaleSettling } from "./sales.settle.ts";

export type { SalesServiceDeps } from "./sales.context.ts";
export type { CreateSaleResult } from "./sales.create.ts";

/**
 * The sales service, composed of its use cases: create (sales.create.ts), settle on what
 * Mercado Pago shows (sales.settle.ts, the one decision path), cancel (sales.cancel.ts) and the
 * sweeper's reconcile (sales.reconcile.ts), over what they share (sales.context.ts) and the
 * publication moves a create and a resumption both make (sales.publication.ts).
 */
export function createSalesService(deps: SalesServiceDeps) {
  const ctx = createSalesContext(deps);
  const settling = createSaleSettling(ctx);
  const publication = createSalePublication(ctx);
  const cancelling = createSaleCancelling(ctx, settling);
  const { create } = createSaleCreation(ctx, settling, publication);
  const { reconcile } = createSaleReconciling(ctx, settling, publication, cancelling);
  const { repo, mustFind } = ctx;

  return {
    settle: settling.settle,
    applyObservations: settling.applyObservations,
    create,
    get: (externalReference: string, scope: SaleScope) => mustFind(externalReference, scope),

    /**
     * A POS's pending sale, else its most recent; 404 when it has none the caller may see (a POS
     * key bound elsewhere learns nothing of this POS).
     */
    async currentOfPos(posId: string, scope: SaleScope): Promise<Sale> {
      // a POS id is unique: its store is the POS's own, narrowed here only for a bound POS key
      const storeId = scope !== "all" && "storeId" in scope ? scope.storeId : undefined;
      const sale = await repo.currentOfPos(posId, storeId);
      if (!sale || !inScope(sale, scope)) {
        throw new AppError("not_found", `no sale on POS ${posId}`);
      }
      return sale;
    },

    events: (sale: Sale) => repo.events(sale.id),
    refresh: settling.refresh,
    reconcile,
    cancel: cancelling.cancel,
  };
}

export type SalesService = ReturnType<typeof createSalesService>;
