import { Counter, Registry } from "prom-client";

// The reconciliation with Mercado Pago's ledger: one set per process, merged into /metrics by
// metrics.ts. Boot hands `observeDiscrepancy` to the run, which knows no metrics.

export const reconciliationRegistry = new Registry();

const discrepancies = new Counter({
  name: "reconciliation_discrepancies_total",
  help: "Discrepancies between a store's day and Mercado Pago's ledger, each counted once when first found, by kind and store",
  labelNames: ["kind", "store"] as const,
  registers: [reconciliationRegistry],
});

export function observeDiscrepancy(d: { kind: string; storeId: string }): void {
  discrepancies.inc({ kind: d.kind, store: d.storeId });
}
