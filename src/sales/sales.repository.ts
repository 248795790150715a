import type { Db } from "../db/database.ts";
import { createSalesClaims } from "./sales.repository.claims.ts";
import { createSalesDisputes } from "./sales.repository.disputes.ts";
import { createSalesReads } from "./sales.repository.reads.ts";
import { createSalesWrites, type SaleTransitionObserver } from "./sales.repository.writes.ts";

/**
 * The sales repository, composed of its concerns: the reads (sales.repository.reads.ts), the
 * writes and status moves (sales.repository.writes.ts) and the sweeper's claims and schedule
 * (sales.repository.claims.ts) and a paid sale's dispute (sales.repository.disputes.ts), all on the row mapping of sale-rows.ts.
 */
export function createSalesRepository(db: Db, observer?: SaleTransitionObserver) {
  const reads = createSalesReads(db);
  return {
    ...reads,
    ...createSalesWrites(db, reads, observer),
    ...createSalesClaims(db),
    ...createSalesDisputes(db),
  };
}

export type SalesRepository = ReturnType<typeof createSalesRepository>;
