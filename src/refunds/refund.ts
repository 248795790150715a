import { createHash } from "node:crypto";
import type { Refund as MercadoPagoRefund } from "../mercadopago/mercadopago.schemas.ts";
import type { ObservedRefund } from "../mercadopago/upstream.ts";

/**
 * One payment's share of a refund. `planned`: not sent; `sending`: the POST may be in flight or
 * may have landed (a crash, or the request ran out of time); `unknown`: the POST failed without a
 * definite answer and the payment's refunds could not be read; `processing`: Mercado Pago took
 * it and has not made it yet (no money back); `done` / `failed`: settled.
 */
export type RefundPartState = "planned" | "sending" | "unknown" | "processing" | "done" | "failed";

export interface RefundPart {
  /** the instore payment's id; 0 for an Orders API refund, whose payment is `orderPaymentId` */
  paymentId: number;
  /** Orders API: the order's payment (PAY…) the money comes back from */
  orderPaymentId?: string;
  /**
   * Orders API: sent as a total refund (no body). Kept so the resolver sends the same request
   * again under the same key: recomputed from the sale, a refund its own notification had
   * already counted would go as a partial one and be refused as another request with that key.
   */
  whole?: boolean;
  amountCents: number;
  state: RefundPartState;
  /** Mercado Pago's id of the refund made for this part */
  mpRefundId: number | null;
  /** Orders API: the id (REF…) of the order's refund made for this part */
  orderRefundId?: string;
  /** Orders API: the order's refunds before this part was sent (one after it is ours) */
  knownOrderRefundIds?: string[];
  /** the refund's status as Mercado Pago last showed it (its words when it did not go through) */
  mpStatus?: string;
  /** the payment's refunds before this part was sent: a new one after an unclear POST is ours */
  knownRefundIds: number[];
}

/**
 * A refund's statuses, as the API shows them; the OpenAPI document's enum is this list.
 * `requested`: its outcome is not known yet; `processing`: Mercado Pago took it and has not given
 * the money back yet; `done`: Mercado Pago made it (all or part); `failed`: nothing went back.
 * `requested` and `processing` hold their amount reserved.
 */
export const REFUND_STATUSES = ["requested", "processing", "done", "failed"] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** How a refund failed, as first answered, so a retry with the same Idempotency-Key answers the same. */
export interface RefundFailure {
  status: number;
  code: "mercadopago_rejected" | "mercadopago_unavailable" | "not_refundable";
  message: string;
  details: unknown[];
}

export interface Refund {
  id: string;
  saleId: string;
  idempotencyKey: string | null;
  /** what the client asked for; null: the whole remainder */
  requestedCents: number | null;
  amountCents: number;
  refundedCents: number;
  status: RefundStatus;
  parts: RefundPart[];
  failure: RefundFailure | null;
  nextCheckAt: Date | null;
  checkAttempts: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What is left to refund of a payment, as Mercado Pago shows it. */
export interface Refundable {
  paymentId: number;
  cents: number;
}

/**
 * Splits a refund over the sale's payments in the order they were made (lowest payment id
 * first): the first payment is refunded as far as it goes, then the next. Payment order rather
 * than largest-first keeps a partial refund on one payment when it fits there, and is the same
 * order every time. Null when the payments do not cover the amount.
 */
export function planRefund(amountCents: number, payments: Refundable[]): RefundPart[] | null {
  let left = amountCents;
  const parts: RefundPart[] = [];
  for (const p of [...payments].sort((a, b) => a.paymentId - b.paymentId)) {
    if (left === 0) break;
    if (p.cents <= 0) continue;
    const take = Math.min(left, p.cents);
    parts.push({
      paymentId: p.paymentId,
      amountCents: take,
      state: "planned",
      mpRefundId: null,
      knownRefundIds: [],
    });
    left -= take;
  }
  return left === 0 ? parts : null;
}

/**
 * The X-Idempotency-Key of one part: derived from the sale, the refund and the payment, so any
 * retry of the same part carries the same key and Mercado Pago cannot take it for a new refund.
 */
export function mercadoPagoIdempotencyKey(saleId: string, refundId: string, paymentId: number) {
  return createHash("sha256").update(`refund:${saleId}:${refundId}:${paymentId}`).digest("hex");
}

/** Statuses of a refund at an end with no money back (payment refunds; Orders API refunds). */
const NOT_MADE = new Set(["rejected", "cancelled", "canceled", "failed"]);
/** Statuses of a refund that is made: payment refunds `approved`, Orders API refunds `processed`. */
const MADE = new Set(["approved", "processed"]);

/**
 * What a refund's status at Mercado Pago means for its part. Made: `approved` (payment refunds)
 * or `processed` (Orders API). Not made: `rejected`, `cancelled`/`canceled`, `failed`. Anything
 * else (`processing`, `in_process`, `pending`, `authorization_requested`, or a word not
 * documented) is not money back yet: the part waits and is read again. An answer without a
 * status is read as made: the endpoint answered 2xx for it, and what Mercado Pago then shows of
 * the sale's money is read next either way.
 */
export function refundOutcome(status: string | null | undefined): "done" | "processing" | "failed" {
  if (status === null || status === undefined || status === "") return "done";
  if (MADE.has(status)) return "done";
  if (NOT_MADE.has(status)) return "failed";
  return "processing";
}

/** Whether the parts still unsettled are all waiting on Mercado Pago (none unknown or unsent). */
export function onlyProcessing(parts: RefundPart[]): boolean {
  const open = parts.filter((p) => p.state !== "done" && p.state !== "failed");
  return open.length > 0 && open.every((p) => p.state === "processing");
}

/**
 * After a POST whose answer was lost: the refund of the payment that is ours is one that was not
 * there before the POST, is claimed by no other refund of ours, and is for this part's amount.
 * Null when there is none (the POST did not land).
 */
export function findOurRefund(
  part: RefundPart,
  listed: MercadoPagoRefund[],
  claimedElsewhere: ReadonlySet<number>,
): number | null {
  const known = new Set(part.knownRefundIds);
  const match = listed.find((r) => {
    const id = Number(r.id);
    if (known.has(id) || claimedElsewhere.has(id)) return false;
    if (r.status && NOT_MADE.has(r.status)) return false;
    return Math.round(r.amount * 100) === part.amountCents;
  });
  return match ? Number(match.id) : null;
}

/**
 * After an Orders API refund: the refund of the order that is this part's is one that was not
 * there before it was sent, is claimed by no other refund of ours, is on its payment and is for
 * its amount. Null when the order shows none such.
 */
export function findOrderRefund(
  part: RefundPart,
  shown: ObservedRefund[],
  claimedElsewhere: ReadonlySet<string>,
): ObservedRefund | null {
  const known = new Set(part.knownOrderRefundIds ?? []);
  return (
    shown.find(
      (r) =>
        r.id !== null &&
        !known.has(r.id) &&
        !claimedElsewhere.has(r.id) &&
        (r.paymentId === null || r.paymentId === part.orderPaymentId) &&
        r.amountCents === part.amountCents,
    ) ?? null
  );
}

/** Whether a refund still holds its amount: not ended (`requested` or `processing`). */
export function isOpen(refund: Pick<Refund, "status">): boolean {
  return refund.status === "requested" || refund.status === "processing";
}

/** Whether every part has an outcome. */
export function settled(parts: RefundPart[]): boolean {
  return parts.every((p) => p.state === "done" || p.state === "failed");
}

export function doneCents(parts: RefundPart[]): number {
  return parts.filter((p) => p.state === "done").reduce((sum, p) => sum + p.amountCents, 0);
}
