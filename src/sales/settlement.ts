import type { MercadoPagoApi, UpstreamObservation } from "../mercadopago/upstream.ts";
import type { SaleStatus } from "./sale-status.ts";
import { canTransition } from "./sale-status.ts";

/** What one observation (a merchant order, an Orders API order) says about a sale. */
export type Verdict =
  /** another sale's, or read from another API than the one the sale was published on */
  | "foreign"
  /** settled upstream, and approved money covers the sale total */
  | "paid"
  /** money that was approved has been refunded or charged back, so it no longer covers the total */
  | "reverted"
  /** expired upstream with nothing approved */
  | "expired"
  /** cancelled upstream (Orders API `canceled`) with nothing approved */
  | "cancelled"
  /** anything else, including a merchant order `opened` or an order `created` */
  | "open";

export interface SaleFacts {
  externalReference: string;
  totalCents: number;
  /** the API the sale was published on: only its resources speak for it */
  mercadopagoApi: MercadoPagoApi;
}

/**
 * Paid = the resource is ours (our external_reference, on the API the sale was published on),
 * settled upstream (merchant order `closed`, order `processed`), and its approved money covers
 * our own total, compared in integer cents.
 */
export function verdictOf(o: UpstreamObservation, sale: SaleFacts): Verdict {
  if (o.externalReference !== sale.externalReference || o.api !== sale.mercadopagoApi) {
    return "foreign";
  }
  if (o.settled && o.approvedCents >= sale.totalCents) return "paid";
  if (o.reverted) return "reverted";
  if (o.ended) return o.api === "orders" && o.status === "canceled" ? "cancelled" : "expired";
  return "open";
}

export interface Decision {
  /** the status the sale moves to, when the observations call for a move */
  to: SaleStatus | null;
  /** the observation the decision rests on, for the sale's record */
  observation: UpstreamObservation | null;
  /**
   * The move is Mercado Pago ending the order with nothing paid (expired, cancelled upstream):
   * the caller may be ending the sale itself (a cancel, the expiry), and an instore sale ends
   * only once its POS no longer holds the order.
   */
  endedUpstream?: boolean;
}

function newestFirst(a: UpstreamObservation, b: UpstreamObservation): number {
  return (
    b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id, "en", { numeric: true })
  );
}

/**
 * Decides a sale's next status from what is known upstream for it (one resource from a
 * notification, or all of them from a read: one merchant order per scan). Any paid one makes the
 * sale paid. For a paid sale, the resource that paid it (`paidBy`) tells what was given back:
 * the observation carries its refunded cents (partial refunds, made here or at Mercado Pago
 * directly), and the sale becomes refunded once everything collected on it was given back —
 * counted in cents, not read from a status word (a merchant order is `partially_reverted` as soon
 * as one of several payments is refunded).
 */
export function decide(
  sale: SaleFacts & { status: SaleStatus; paidBy: string | null },
  observations: UpstreamObservation[],
): Decision {
  const ours = observations.filter((o) => verdictOf(o, sale) !== "foreign").sort(newestFirst);
  if (ours.length === 0) return { to: null, observation: null };

  if (sale.status === "paid" || sale.status === "refunded") {
    const payer = ours.find((o) => o.id === sale.paidBy);
    // a paid sale keeps what it recorded when paid; only money given back is news for it
    if (!payer || payer.refundedCents === 0) return { to: null, observation: null };
    const allBack = payer.paidCents > 0 && payer.refundedCents >= payer.paidCents;
    return { to: allBack && sale.status === "paid" ? "refunded" : null, observation: payer };
  }
  const paid = ours.find((o) => verdictOf(o, sale) === "paid");
  if (paid) {
    return { to: canTransition(sale.status, "paid") ? "paid" : null, observation: paid };
  }
  const current = ours.find((o) => o.id === sale.paidBy) ?? ours[0];
  // Mercado Pago's word ends the sale: the order speaking for it (the newest one when none was
  // recorded) is over with nothing paid. Paid still wins later: the sale stays watched.
  const verdict = current ? verdictOf(current, sale) : "open";
  if (sale.status === "pending" && (verdict === "expired" || verdict === "cancelled")) {
    return { to: verdict, observation: current ?? null, endedUpstream: true };
  }
  return { to: null, observation: current ?? null };
}
