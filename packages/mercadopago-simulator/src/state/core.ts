// Shared core of the simulator state: the internal records, the in-memory store every resource
// module reads and writes, id counters, the clock, events and the sweep (time rules) registry.
// Each resource lives in its own `<resource>.ts` and gets this core; the public types are in
// `types.ts`.

import type { PaymentMethodRecord } from "./payment-methods.ts";
import type {
  PaymentStatus,
  SimulatorEvent,
  SimulatorListener,
  RefundOutcome,
  RefundSettings,
  SimulatorStateOptions,
  Store,
} from "./types.ts";
import { SimulatorError, formatMpDate } from "../util.ts";

// ---------------------------------------------------------------------------------------------
// Internal records

export interface OrderSlot {
  seq: number;
  order: Record<string, unknown>;
  externalReference: string;
  totalCents: number;
  notificationUrl: string | null;
  putAt: Date;
  expiresAt: Date | null;
}

export interface StoreRecord {
  id: number;
  name: string;
  externalId: string;
  businessHours: Record<string, unknown>;
  location: Store["location"];
  dateCreated: Date;
  autoCreated: boolean;
}

export interface PosRecord {
  id: number;
  name: string;
  externalId: string;
  storeId: number;
  externalStoreId: string;
  category: number | null;
  uuid: string;
  dateCreated: Date;
  autoCreated: boolean;
  slot: OrderSlot | null;
  /**
   * The Orders API order on this POS while it is `created` (the POS's one order, like `slot`
   * for Instore Orders v2; a POS holds one or the other).
   */
  apiOrderId: string | null;
}

export interface MerchantOrderRecord {
  id: number;
  posExternalId: string;
  slotSeq: number;
  order: Record<string, unknown>;
  externalReference: string;
  totalCents: number;
  notificationUrl: string | null;
  expiresAt: Date | null;
  dateCreated: Date;
  lastUpdated: Date;
  closed: boolean;
  expired: boolean;
  paymentIds: number[];
}

export interface PaymentRecord {
  id: number;
  merchantOrderId: number;
  status: PaymentStatus;
  statusDetail: string;
  amountCents: number;
  refundedCents: number;
  refunds: PaymentRefundRecord[];
  dateCreated: Date;
  dateApproved: Date | null;
  lastModified: Date;
  /** how it was made: method, card, fees (payment-methods.ts) */
  method: PaymentMethodRecord;
}

/**
 * A refund of a payment. `in_process` until `settleAt` (asynchronous refunds), then `approved`
 * (money back: counted in the payment's refundedCents) or `rejected` as `outcome` says.
 */
export interface PaymentRefundRecord {
  id: number;
  amountCents: number;
  at: Date;
  status: "approved" | "in_process" | "rejected";
  settleAt: Date | null;
  outcome: RefundOutcome;
}

export const CURRENCY_BY_SITE: Record<string, string> = {
  MLA: "ARS",
  MLB: "BRL",
  MLC: "CLP",
  MCO: "COP",
  MLM: "MXN",
  MPE: "PEN",
  MLU: "UYU",
};

export const BUYER = { id: 3_000_000_001, email: "buyer@example.com" };

// Id ranges differ per resource so a test that confuses ids fails loudly.
export const STORE_ID_BASE = 50_000_000;
export const POS_ID_BASE = 80_000_000;
export const MERCHANT_ORDER_ID_BASE = 10_000_000_000;
export const PAYMENT_ID_BASE = 70_000_000_000;
export const REFUND_ID_BASE = 90_000_000_000;

export function notFound(code: string, message: string): SimulatorError {
  return new SimulatorError(404, code, message);
}

export function conflict(message: string): SimulatorError {
  return new SimulatorError(409, "conflict", message);
}

export function badRequest(code: string, message: string): SimulatorError {
  return new SimulatorError(400, code, message);
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

export function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Counters behind the numeric ids; they keep increasing across `reset()`. */
export type IdKind = "store" | "pos" | "mo" | "payment" | "refund" | "slot" | "chargeback";

/**
 * What the accounts (sellers) of one simulator share: the id counters, so that an id names one
 * resource whichever seller holds it, the listeners of their events, how refunds end, and who
 * made each Orders API order (a refund with another seller's token is told so).
 */
export interface SharedCore {
  /** Next value of a counter (1, 2, …). */
  next(kind: IdKind): number;
  readonly listeners: Set<SimulatorListener>;
  readonly refundSettings: RefundSettings;
  /** Orders API order id → the user id of the seller whose order it is. */
  readonly orderOwners: Map<string, number>;
}

export function createSharedCore(opts: SimulatorStateOptions): SharedCore {
  const counters: Record<IdKind, number> = {
    store: 0,
    pos: 0,
    mo: 0,
    payment: 0,
    refund: 0,
    slot: 0,
    chargeback: 0,
  };
  return {
    next(kind) {
      counters[kind] += 1;
      return counters[kind];
    },
    listeners: new Set(),
    refundSettings: initialRefundSettings(opts),
    orderOwners: new Map(),
  };
}

export interface StateCore {
  readonly opts: SimulatorStateOptions;
  /** What this account shares with the simulator's other accounts. */
  readonly shared: SharedCore;
  readonly now: () => Date;
  /** Formats a date as Mercado Pago does, in the simulated seller's offset. */
  readonly fmt: (d: Date) => string;
  readonly collectorId: number;
  readonly siteId: string;
  readonly currencyId: string;
  readonly stores: Map<number, StoreRecord>;
  readonly posByExternalId: Map<string, PosRecord>;
  readonly merchantOrders: Map<number, MerchantOrderRecord>;
  readonly payments: Map<number, PaymentRecord>;
  // Indexes, so that no call walks every order a long run has made (sweep runs on every call):
  // merchant orders by external_reference and by POS, the ones that can still expire, and the
  // POS whose slot has an expiry. The last two drop closed entries as sweep meets them.
  readonly moByReference: Map<string, MerchantOrderRecord[]>;
  readonly moByPos: Map<string, MerchantOrderRecord[]>;
  readonly liveMerchantOrders: Set<MerchantOrderRecord>;
  readonly posWithExpiringSlot: Set<PosRecord>;
  readonly listeners: Set<SimulatorListener>;
  /** X-Idempotency-Key of refund POSTs → the refund made (payment id, refund id) */
  readonly refundKeys: Map<string, { paymentId: number; refundId: number }>;
  /** Time rules of each module, run in registration order by `sweep()`. */
  readonly sweepers: (() => void)[];
  /** How refunds end now (changed in place at run time). */
  readonly refundSettings: RefundSettings;
  /** Next value of a counter (1, 2, …). */
  next(kind: IdKind): number;
  indexed<K, V>(index: Map<K, V[]>, key: K): V[];
  emit(event: SimulatorEvent): void;
  /** Applies time-based rules (expiry) against `now()`. */
  sweep(): void;
}

/** How refunds end before anyone changes it: the options, else at once. */
export function initialRefundSettings(opts: SimulatorStateOptions): RefundSettings {
  return {
    mode: opts.refundMode ?? "sync",
    settleMs: opts.refundSettleMs ?? 1000,
    outcome: opts.refundOutcome ?? "processed",
  };
}

export function createStateCore(
  opts: SimulatorStateOptions,
  shared: SharedCore = createSharedCore(opts),
): StateCore {
  const offset = opts.utcOffsetMinutes ?? -180;
  const siteId = opts.siteId ?? "MLA";
  const { listeners } = shared;
  const sweepers: (() => void)[] = [];
  return {
    opts,
    shared,
    now: opts.now ?? (() => new Date()),
    fmt: (d: Date): string => formatMpDate(d, offset),
    collectorId: opts.collectorId,
    siteId,
    currencyId: CURRENCY_BY_SITE[siteId] ?? "ARS",
    stores: new Map(),
    posByExternalId: new Map(),
    merchantOrders: new Map(),
    payments: new Map(),
    moByReference: new Map(),
    moByPos: new Map(),
    liveMerchantOrders: new Set(),
    posWithExpiringSlot: new Set(),
    listeners,
    refundKeys: new Map(),
    sweepers,
    refundSettings: shared.refundSettings,
    next: shared.next,
    indexed<K, V>(index: Map<K, V[]>, key: K): V[] {
      let list = index.get(key);
      if (!list) index.set(key, (list = []));
      return list;
    },
    emit(event) {
      for (const listener of listeners) listener(event);
    },
    sweep() {
      for (const fn of sweepers) fn();
    },
  };
}
