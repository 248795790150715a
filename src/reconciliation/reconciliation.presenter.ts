import { fromCents } from "../money.ts";
import type { DayView } from "./reconciliation.repository.ts";
import type { ReconciliationBody } from "./reconciliation.responses.ts";

/**
 * A store's day as the contract shows it: pending until a run has finished once; then matched,
 * or the discrepancies still open (one found by an earlier run and gone since is resolved).
 */
export function presentReconciliation(view: DayView | null): ReconciliationBody {
  if (!view || view.checkedAt === null) {
    return { status: "pending", checked_at: null, discrepancies: [] };
  }
  return {
    status: view.open.length === 0 ? "matched" : "discrepancies",
    checked_at: view.checkedAt.toISOString(),
    discrepancies: view.open.map((d) => ({
      kind: d.kind as ReconciliationBody["discrepancies"][number]["kind"],
      ...(d.externalReference ? { external_reference: d.externalReference } : {}),
      ...(d.paymentId ? { payment_id: d.paymentId } : {}),
      ...(d.amountCents !== null ? { amount: fromCents(Number(d.amountCents)) } : {}),
      detail: d.detail,
    })),
  };
}
