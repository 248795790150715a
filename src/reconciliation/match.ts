import type { ObservedPayment } from "../mercadopago/upstream.ts";
import { fromCents, centsFromApi } from "../money.ts";

/**
 * Matching one store's day at Mercado Pago against the service's record: pure, so every rule is
 * a table test. Money inside is integer cents; the discrepancies show decimals, as the API shows
 * money everywhere else.
 */

export const DISCREPANCY_KINDS = [
  "paid_here_not_there",
  "paid_there_not_here",
  "amount_mismatch",
  "refund_not_recorded",
  "chargeback",
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

export interface Discrepancy {
  kind: DiscrepancyKind;
  external_reference?: string;
  payment_id?: string;
  amount?: number;
  detail: string;
}

/** A payment as `GET /v1/payments/search` lists it, reduced to what matching needs. */
export interface LedgerPayment {
  id: string;
  externalReference: string | null;
  status: string;
  amountCents: number;
  refundedCents: number;
}

/** A sale as matching needs it. */
export interface RecordedSale {
  externalReference: string;
  status: string;
  totalCents: number;
  paidCents: number;
  refundedCents: number;
  payments: ObservedPayment[];
}

/** Payment statuses in which money was taken (and perhaps given back since). */
const MONEY_TAKEN = new Set(["approved", "authorized", "refunded", "charged_back", "in_mediation"]);
/** Local payment statuses the service counts as money taken. */
const RECORDED_TAKEN = new Set(["approved", "authorized", "refunded", "charged_back"]);

export interface DayToMatch {
  /** every payment Mercado Pago lists for the store's day */
  ledger: LedgerPayment[];
  /** the sales the service counts as paid on that day: each must be in the ledger */
  daySales: RecordedSale[];
  /**
   * Sales of other days that a ledger payment names (by reference or payment id): a payment made
   * just after midnight for a sale of the day before is theirs, not "paid there, not here".
   */
  otherSales?: RecordedSale[];
}

/** The discrepancies of the day, in a stable order (ledger order, then the day's sales). */
export function matchDay({ ledger, daySales, otherSales = [] }: DayToMatch): Discrepancy[] {
  const all = [...daySales, ...otherSales];
  const byPaymentId = new Map<string, { sale: RecordedSale; payment: ObservedPayment }>();
  const byReference = new Map<string, RecordedSale>();
  for (const sale of all) {
    byReference.set(sale.externalReference, sale);
    for (const p of sale.payments) byPaymentId.set(String(p.id), { sale, payment: p });
  }
  const out: Discrepancy[] = [];
  const seenIds = new Set<string>();
  const seenRefs = new Set<string>();

  for (const lp of ledger) {
    seenIds.add(lp.id);
    if (lp.externalReference) seenRefs.add(lp.externalReference);
    if (!MONEY_TAKEN.has(lp.status)) continue;
    const ids = { payment_id: lp.id, ...refOf(lp.externalReference) };
    const hit = byPaymentId.get(lp.id);
    const sale =
      hit?.sale ?? (lp.externalReference ? byReference.get(lp.externalReference) : undefined);
    const saleTaken =
      sale && (sale.status === "paid" || sale.status === "refunded" || sale.paidCents > 0);
    if (!hit && !saleTaken) {
      out.push({
        ...ids,
        kind: "paid_there_not_here",
        amount: fromCents(lp.amountCents),
        detail: sale
          ? `Mercado Pago lists payment ${lp.id} (${lp.status}) for sale ${sale.externalReference}, which the service shows ${sale.status}`
          : `Mercado Pago lists payment ${lp.id} (${lp.status}) that no sale of the service names`,
      });
      continue;
    }
    if (!sale) continue;
    const recordedCents = hit ? centsFromApi(hit.payment.amount) : sale.paidCents;
    if (recordedCents !== lp.amountCents) {
      out.push({
        ...ids,
        external_reference: sale.externalReference,
        kind: "amount_mismatch",
        amount: fromCents(lp.amountCents),
        detail: `Mercado Pago shows ${fromCents(lp.amountCents)} for payment ${lp.id}; the service recorded ${fromCents(recordedCents)}`,
      });
    }
    const recordedRefund =
      hit?.payment.refunded !== undefined ? centsFromApi(hit.payment.refunded) : sale.refundedCents;
    if (lp.status === "charged_back") {
      out.push({
        ...ids,
        external_reference: sale.externalReference,
        kind: "chargeback",
        amount: fromCents(lp.amountCents),
        detail: `payment ${lp.id} of sale ${sale.externalReference} was charged back at Mercado Pago`,
      });
    } else if (lp.refundedCents > recordedRefund) {
      out.push({
        ...ids,
        external_reference: sale.externalReference,
        kind: "refund_not_recorded",
        amount: fromCents(lp.refundedCents - recordedRefund),
        detail: `Mercado Pago shows ${fromCents(lp.refundedCents)} refunded of payment ${lp.id}; the service recorded ${fromCents(recordedRefund)}`,
      });
    }
  }

  for (const sale of daySales) {
    if (sale.status !== "paid" && sale.status !== "refunded") continue;
    const taken = sale.payments.filter((p) => RECORDED_TAKEN.has(p.status));
    // a sale recorded with no payment ids can only be looked for by its reference
    const missing =
      taken.length === 0
        ? seenRefs.has(sale.externalReference)
          ? []
          : [null]
        : taken.filter((p) => !seenIds.has(String(p.id)) && !seenRefs.has(sale.externalReference));
    for (const p of missing) {
      out.push({
        kind: "paid_here_not_there",
        external_reference: sale.externalReference,
        ...(p ? { payment_id: String(p.id) } : {}),
        amount: fromCents(p ? centsFromApi(p.amount) : sale.paidCents),
        detail: p
          ? `sale ${sale.externalReference} is ${sale.status} with payment ${p.id}, which Mercado Pago does not list for the day`
          : `sale ${sale.externalReference} is ${sale.status} and Mercado Pago lists no payment for it that day`,
      });
    }
  }
  return out;
}

function refOf(ref: string | null): { external_reference?: string } {
  return ref ? { external_reference: ref } : {};
}

/** What makes a discrepancy the same one on the next run: recorded once. */
export function discrepancyKey(d: Discrepancy): string {
  return `${d.kind}:${d.payment_id ?? ""}:${d.external_reference ?? ""}`;
}
