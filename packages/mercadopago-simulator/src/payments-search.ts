// `GET /v1/payments/search` over the simulator's payments, and the ledger faults that make a
// reconciliation find each kind of discrepancy (the payments the search shows differ from what
// the notifications and reads told).
//
// What Mercado Pago documents (reference "Search payments"): `sort` (date_approved, date_created,
// date_last_updated, id, money_release_date), `criteria` (asc, desc), `range` (date_created,
// date_last_updated, date_approved, money_release_date; default date_created), `begin_date` and
// `end_date` (ISO 8601 or NOW-XDAYS / NOW-XMONTHS; defaults NOW-3MONTHS and NOW), filters such as
// `external_reference`, `store_id` and `pos_id`, `offset` and `limit`, and an answer
// `{ paging: { total, limit, offset }, results }`; errors 1000 "Number of rows exceeded the
// limits", 1001 (date format), 1003 (sort), 1004 (criteria). Not documented: the largest
// `limit` (MAX_LIMIT below is this simulator's choice), whether `offset` has a ceiling, and how
// ties in the sort are broken (here: by id).

import type { Payment } from "./state/types.ts";
import { SimulatorError } from "./util.ts";

export const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 30;
const SORTS = ["date_approved", "date_created", "date_last_updated", "id", "money_release_date"];
const RANGES = ["date_created", "date_last_updated", "date_approved", "money_release_date"];
const DAY_MS = 86_400_000;

/** Faults on the ledger only: the search shows these payments otherwise than they are. */
export interface LedgerFaults {
  /** payments the search does not list (a sale paid here that Mercado Pago does not show) */
  hidden: Set<number>;
  /** payments the search lists with another amount */
  amounts: Map<number, number>;
  /** payments the search lists as charged back */
  chargebacks: Set<number>;
}

const faultsByState = new WeakMap<object, LedgerFaults>();

/** The ledger faults of one simulator (keyed by its state), made on first use. */
export function ledgerFaultsOf(state: object): LedgerFaults {
  let f = faultsByState.get(state);
  if (!f) {
    f = { hidden: new Set(), amounts: new Map(), chargebacks: new Set() };
    faultsByState.set(state, f);
  }
  return f;
}

export function clearLedgerFaults(state: object): void {
  const f = ledgerFaultsOf(state);
  f.hidden.clear();
  f.amounts.clear();
  f.chargebacks.clear();
}

function dateParam(raw: string | undefined, fallback: number, now: number): number {
  if (raw === undefined || raw === "") return fallback;
  const rel = /^NOW(?:-(\d+)(DAYS?|MONTHS?))?$/i.exec(raw);
  if (rel) {
    if (!rel[1]) return now;
    const n = Number(rel[1]);
    return /^MONTH/i.test(rel[2]!) ? now - n * 30 * DAY_MS : now - n * DAY_MS;
  }
  const t = Date.parse(raw);
  if (Number.isNaN(t)) {
    throw new SimulatorError(400, "1001", "Date format must be yyyy-MM-dd'T'HH:mm:ss.SSSZ.");
  }
  return t;
}

function intParam(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new SimulatorError(400, "1", "Params Error.");
  return Number(raw);
}

function fieldTime(p: Payment, field: string): number | null {
  const v = (p as unknown as Record<string, unknown>)[field];
  if (field === "id") return p.id;
  if (typeof v !== "string") return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/** A payment as the search shows it, the ledger faults applied. */
function asListed(p: Payment, f: LedgerFaults): Payment {
  let out = p;
  const amount = f.amounts.get(p.id);
  if (amount !== undefined) out = { ...out, transaction_amount: amount, total_paid_amount: amount };
  if (f.chargebacks.has(p.id)) {
    out = { ...out, status: "charged_back" as Payment["status"], status_detail: "settled" };
  }
  return out;
}

export function searchPayments(
  payments: Payment[],
  faults: LedgerFaults,
  query: Record<string, string | undefined>,
  now: number,
): { paging: { total: number; limit: number; offset: number }; results: Payment[] } {
  const sort = query["sort"] ?? "date_created";
  if (!SORTS.includes(sort)) throw new SimulatorError(400, "1003", "Invalid sort value.");
  const criteria = query["criteria"] ?? "desc";
  if (criteria !== "asc" && criteria !== "desc") {
    throw new SimulatorError(400, "1004", "Invalid criteria value.");
  }
  const range = query["range"] ?? "date_created";
  if (!RANGES.includes(range)) throw new SimulatorError(400, "1", "Params Error.");
  const begin = dateParam(query["begin_date"], now - 90 * DAY_MS, now);
  const end = dateParam(query["end_date"], now, now);
  const limit = intParam(query["limit"], DEFAULT_LIMIT);
  const offset = intParam(query["offset"], 0);
  if (limit > MAX_LIMIT) {
    throw new SimulatorError(400, "1000", "Number of rows exceeded the limits.");
  }
  const eq = (name: string, value: string | number) =>
    query[name] === undefined || query[name] === "" || query[name] === String(value);
  const matching = payments
    .filter((p) => !faults.hidden.has(p.id))
    .filter((p) => {
      const t = fieldTime(p, range);
      return t !== null && t >= begin && t <= end;
    })
    .filter((p) => eq("external_reference", p.external_reference))
    .filter((p) => eq("store_id", p.store_id) && eq("pos_id", p.pos_id))
    .map((p) => asListed(p, faults))
    .filter((p) => eq("status", p.status));
  const sign = criteria === "asc" ? 1 : -1;
  matching.sort(
    (a, b) =>
      sign * ((fieldTime(a, sort) ?? 0) - (fieldTime(b, sort) ?? 0)) || sign * (a.id - b.id),
  );
  return {
    paging: { total: matching.length, limit, offset },
    results: matching.slice(offset, offset + limit),
  };
}
