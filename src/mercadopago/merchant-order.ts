import { centsFromApi } from "../sales/money.ts";
import type { SaleStatus } from "../sales/sale-status.ts";
import { canTransition } from "../sales/sale-status.ts";
import type { MerchantOrder } from "./mercadopago.schemas.ts";

/** What one merchant order says about a sale. */
export type MerchantOrderVerdict =
  /** it belongs to another external_reference: it says nothing about this sale */
  | "foreign"
  /** closed, and approved payments cover the sale total */
  | "paid"
  /** money that was approved has been refunded or charged back, so it no longer covers the total */
  | "reverted"
  /** expired or cancelled at Mercado Pago with nothing approved */
  | "expired"
  /** anything else, including `opened` (which means nothing since 2024) */
  | "open";

export interface SaleFacts {
  externalReference: string;
  totalCents: number;
}

export function approvedCents(mo: MerchantOrder): number {
  return mo.payments
    .filter((p) => p.status === "approved")
    .reduce((sum, p) => sum + centsFromApi(p.transaction_amount), 0);
}

const REVERSAL = new Set(["refunded", "charged_back"]);

/** Money that was collected: approved payments and those refunded or charged back since. */
export function collectedCents(mo: MerchantOrder): number {
  return mo.payments
    .filter((p) => p.status === "approved" || REVERSAL.has(p.status))
    .reduce((sum, p) => sum + centsFromApi(p.transaction_amount), 0);
}

/**
 * Money given back, per payment: its `amount_refunded`, and all of it when its status says it
 * was refunded or charged back (a chargeback is not a refund, but the money is gone all the
 * same; whether `amount_refunded` covers chargebacks is not documented, so the status decides).
 * Mercado Pago's merchant-order `refunded_amount` is not trusted alone (its semantics are
 * UNCONFIRMED), only used when it says more than the payments do.
 */
export function refundedCents(mo: MerchantOrder): number {
  const byPayments = mo.payments.reduce((sum, p) => {
    const amount = centsFromApi(p.transaction_amount);
    const refunded = REVERSAL.has(p.status) ? amount : centsFromApi(p.amount_refunded);
    return sum + Math.min(amount, Math.max(0, refunded));
  }, 0);
  return Math.min(collectedCents(mo), Math.max(byPayments, centsFromApi(mo.refunded_amount)));
}

/**
 * Paid = the merchant order is ours, `closed`, and the sum of its approved payments'
 * `transaction_amount` (not `total_paid_amount`, which includes financing) covers our own total,
 * compared in integer cents. Mercado Pago's `paid_amount` and `order_status` are not trusted alone.
 */
export function classifyMerchantOrder(mo: MerchantOrder, sale: SaleFacts): MerchantOrderVerdict {
  if (mo.external_reference !== sale.externalReference) return "foreign";
  const approved = approvedCents(mo);
  if (mo.status === "closed" && approved >= sale.totalCents) return "paid";
  const reverted =
    mo.order_status === "reverted" ||
    mo.order_status === "partially_reverted" ||
    mo.payments.some((p) => REVERSAL.has(p.status));
  if (reverted) return "reverted";
  if (mo.status === "expired" || mo.cancelled === true) return "expired";
  return "open";
}

export interface Observation {
  merchantOrderId: number;
  merchantOrderStatus: string;
  /** money collected on it (approved, and refunded or charged back since) */
  paidCents: number;
  /** money of it given back (refunds, chargebacks) */
  refundedCents: number;
  payments: { id: number; status: string; amount: number; refunded?: number }[];
}

export interface Decision {
  /** the status the sale moves to, when the merchant orders call for a move */
  to: SaleStatus | null;
  /** the merchant order the decision rests on, for the sale's record */
  observation: Observation | null;
}

function observe(mo: MerchantOrder): Observation {
  return {
    merchantOrderId: Number(mo.id),
    merchantOrderStatus: mo.status,
    paidCents: collectedCents(mo),
    refundedCents: refundedCents(mo),
    payments: mo.payments.map((p) => ({
      id: Number(p.id),
      status: p.status,
      amount: p.transaction_amount,
      ...(p.amount_refunded > 0 ? { refunded: p.amount_refunded } : {}),
    })),
  };
}

function newestFirst(a: MerchantOrder, b: MerchantOrder): number {
  return (b.last_updated ?? "").localeCompare(a.last_updated ?? "") || Number(b.id) - Number(a.id);
}

/**
 * Decides a sale's next status from the merchant orders known for it (one from a notification,
 * or all of them from a search by external_reference: one per scan). Any paid one makes the sale
 * paid. For a paid sale, the merchant order that paid it tells what was given back: the
 * observation carries its refunded cents (partial refunds, made here or at Mercado Pago
 * directly), and the sale becomes refunded once everything collected on it was given back —
 * counted in cents, not read from `order_status`, which is `partially_reverted` as soon as one
 * of several payments is refunded.
 */
export function decide(
  sale: SaleFacts & { status: SaleStatus; merchantOrderId: number | null },
  merchantOrders: MerchantOrder[],
): Decision {
  const ours = merchantOrders
    .filter((mo) => classifyMerchantOrder(mo, sale) !== "foreign")
    .sort(newestFirst);
  if (ours.length === 0) return { to: null, observation: null };

  if (sale.status === "paid" || sale.status === "refunded") {
    const payer = ours.find((mo) => Number(mo.id) === sale.merchantOrderId);
    // a paid sale keeps what it recorded when paid; only money given back is news for it
    if (!payer || refundedCents(payer) === 0) return { to: null, observation: null };
    const observation = observe(payer);
    const allBack = observation.paidCents > 0 && observation.refundedCents >= observation.paidCents;
    return { to: allBack && sale.status === "paid" ? "refunded" : null, observation };
  }
  const paid = ours.find((mo) => classifyMerchantOrder(mo, sale) === "paid");
  if (paid) {
    return {
      to: canTransition(sale.status, "paid") ? "paid" : null,
      observation: observe(paid),
    };
  }
  const current = ours.find((mo) => Number(mo.id) === sale.merchantOrderId) ?? ours[0];
  return { to: null, observation: current ? observe(current) : null };
}
