import { centsFromApi } from "../money.ts";
import type { ObservedPayment, PaymentDetails } from "./upstream.ts";
import { NO_PAYMENT_DETAILS } from "./upstream.ts";

/**
 * A payment's details (method, card, fees, net, release date) from what Mercado Pago's reads
 * give, pure and tolerant: a field missing or of the wrong kind is null, never an error, since
 * no decision rests on them. Sources (contract v1.2 "Payments, receipts, the day close"):
 *
 * - a payment (`GET /v1/payments/{id}`; a merchant order's `payments[]` where it carries the
 *   same fields): `payment_method_id`, `payment_type_id`, `installments`,
 *   `card.last_four_digits`, `authorization_code`, the sum of `fee_details[].amount`,
 *   `transaction_details.net_received_amount`, `money_release_date`, `status_detail`,
 *   `date_approved`;
 * - an Orders API order's `transactions.payments[]`: `payment_method.{id, type, installments}`
 *   and `status_detail` only; the card, authorization, fees, net and release date are not there.
 */

type Loose = Record<string, unknown>;

/** The fields of a payment the details come from (beyond what a merchant order lists). */
export const DETAIL_FIELDS = [
  "payment_method_id",
  "payment_type_id",
  "installments",
  "card",
  "authorization_code",
  "fee_details",
  "transaction_details",
  "money_release_date",
] as const;

function record(v: unknown): Loose | null {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Loose) : null;
}

function text(v: unknown): string | null {
  if (typeof v === "string") return v.length > 0 ? v.slice(0, 200) : null;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
}

function num(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return null;
}

function wholeNumber(v: unknown): number | null {
  const n = num(v);
  return n !== null && Number.isInteger(n) && n >= 0 ? n : null;
}

/** The sum of `fee_details[].amount` (null when there is no list; an empty list is no fee). */
export function feeOf(feeDetails: unknown): number | null {
  if (!Array.isArray(feeDetails)) return null;
  const cents = feeDetails.reduce<number>(
    (sum, f) => sum + centsFromApi(num(record(f)?.amount) ?? 0),
    0,
  );
  return cents / 100;
}

/** The details a Payments API payment (or a merchant order's payment) gives. */
export function detailsOfPayment(payment: unknown): PaymentDetails {
  const p = record(payment);
  if (!p) return NO_PAYMENT_DETAILS;
  const lastFour = text(record(p.card)?.last_four_digits);
  return {
    method: text(p.payment_method_id),
    type: text(p.payment_type_id),
    installments: wholeNumber(p.installments),
    cardLastFour: lastFour && /^\d{4}$/.test(lastFour) ? lastFour : null,
    authorizationCode: text(p.authorization_code),
    fee: feeOf(p.fee_details),
    net: num(record(p.transaction_details)?.net_received_amount),
    moneyReleaseDate: text(p.money_release_date),
    statusDetail: text(p.status_detail),
    dateApproved: text(p.date_approved),
  };
}

/** The details an Orders API order's payment transaction gives (fewer: the rest is null). */
export function detailsOfOrderPayment(payment: unknown): PaymentDetails {
  const p = record(payment);
  if (!p) return NO_PAYMENT_DETAILS;
  const method = record(p.payment_method);
  return {
    ...NO_PAYMENT_DETAILS,
    method: text(method?.id),
    type: text(method?.type),
    installments: wholeNumber(method?.installments),
    statusDetail: text(p.status_detail),
  };
}

/** Whether a read told how the payment was made (the method is what every payment has). */
export function hasDetails(d: PaymentDetails | undefined): boolean {
  return d !== undefined && d.method !== null;
}

/** Field by field, what the newer read says, else what was known before. */
export function mergeDetails(
  known: PaymentDetails | undefined,
  fresh: PaymentDetails | undefined,
): PaymentDetails | undefined {
  if (!known) return fresh;
  if (!fresh) return known;
  const out = { ...known };
  for (const key of Object.keys(NO_PAYMENT_DETAILS) as (keyof PaymentDetails)[]) {
    const v = fresh[key];
    if (v !== null) (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

/**
 * A newer read's payments, keeping the details an earlier read gave of the same payments (a
 * merchant order read again lists no method: what the payment's own read said stays).
 */
export function keepDetails(
  stored: readonly ObservedPayment[],
  observed: readonly ObservedPayment[],
): ObservedPayment[] {
  const before = new Map(stored.map((p) => [String(p.id), p.details]));
  return observed.map((p) => {
    const details = mergeDetails(before.get(String(p.id)), p.details);
    return details ? { ...p, details } : p;
  });
}

const IN_PROCESS = new Set(["in_process", "pending"]);
// the Orders API's generic words for a payment being processed (not documented for QR)
const ORDERS_IN_PROCESS = new Set(["processing", "in_process"]);

/**
 * A payment is being processed and none is approved yet: the customer has paid, or is paying,
 * and must not be shown the QR again. Instore v2: `in_process`/`pending`; the Orders API:
 * `processing`/`in_process`, or a status detail `in_process`.
 */
export function paymentInProcess(
  payments: readonly { status: string; statusDetail?: string | null }[],
  approved: (p: { status: string; statusDetail?: string | null }) => boolean,
): boolean {
  if (payments.some(approved)) return false;
  return payments.some(
    (p) =>
      IN_PROCESS.has(p.status) ||
      ORDERS_IN_PROCESS.has(p.status) ||
      (p.statusDetail ?? "") === "in_process",
  );
}
