/**
 * How the day close learns whether Mercado Pago's ledger agrees with the service's record: a port
 * the reconciliation feature fills (its day's run, GET /reconciliation's view), wired at the
 * composition root, so the close-out imports nothing of it. Field names as the contract's
 * "Reconciliation with Mercado Pago" shows them.
 */
export interface ReconciliationDiscrepancy {
  /** paid_here_not_there | paid_there_not_here | amount_mismatch | refund_not_recorded | chargeback */
  kind: string;
  external_reference?: string;
  payment_id?: string;
  amount?: number;
  detail: string;
}

export interface ReconciliationView {
  status: "pending" | "matched" | "discrepancies";
  /** when the day was last checked against Mercado Pago; null: not yet */
  checked_at: string | null;
  discrepancies: ReconciliationDiscrepancy[];
}

/** The reconciliation of one store's day (`day` is YYYY-MM-DD in the store's zone). */
export type ReconciliationOfDay = (storeId: string, day: string) => Promise<ReconciliationView>;

/** Until reconciliation is wired: the contract's "not yet checked". */
export const notYetReconciled: ReconciliationOfDay = async () => ({
  status: "pending",
  checked_at: null,
  discrepancies: [],
});
