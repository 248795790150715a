// In-memory state of the Mercado Pago simulator: stores, POS with their single order slot,
// merchant orders and payments. Pure logic, no HTTP. Time is read from `now()` and every
// time-dependent rule (order expiry) is evaluated lazily, so tests can drive a fake clock.

import { randomUUID, timingSafeEqual } from "node:crypto";

import {
  POS_EXTERNAL_ID,
  STORE_EXTERNAL_ID,
  validateCollectorId,
  validateInstoreOrder,
  validatePosExternalId,
} from "./simulator.validation.ts";
import {
  SimulatorError,
  formatMpDate,
  fromCents,
  hasAtMostTwoDecimals,
  isRecord,
  toCents,
} from "./simulator.util.ts";

// ---------------------------------------------------------------------------------------------
// Public types (JSON shapes returned by the API)

export type MerchantOrderStatus = "opened" | "closed" | "expired";
export type OrderStatus =
  | "payment_required"
  | "payment_in_process"
  | "partially_paid"
  | "paid"
  | "partially_reverted"
  | "reverted"
  | "expired";
export type PaymentStatus = "approved" | "rejected" | "pending" | "in_process" | "refunded";
/** Outcomes the customer side can produce with the pay helper. */
export type PayOutcome = "approved" | "rejected" | "pending" | "in_process";

export interface MerchantOrderItem {
  id: string | null;
  category_id: string | null;
  currency_id: string;
  title: string;
  description: string | null;
  picture_url: string | null;
  quantity: number;
  unit_price: number;
}

export interface MerchantOrderPayment {
  id: number;
  transaction_amount: number;
  total_paid_amount: number;
  shipping_cost: number;
  currency_id: string;
  status: PaymentStatus;
  status_detail: string;
  operation_type: "regular_payment";
  date_approved: string | null;
  date_created: string;
  last_modified: string;
  amount_refunded: number;
}

export interface MerchantOrder {
  id: number;
  status: MerchantOrderStatus;
  order_status: OrderStatus;
  external_reference: string;
  preference_id: string | null;
  application_id: string | null;
  site_id: string;
  collector: { id: number; nickname: string | null };
  payer: { id: number; email: string } | null;
  sponsor_id: number | null;
  items: MerchantOrderItem[];
  payments: MerchantOrderPayment[];
  shipments: unknown[];
  total_amount: number;
  paid_amount: number;
  refunded_amount: number;
  shipping_cost: number;
  cancelled: boolean;
  notification_url: string | null;
  additional_info: string;
  marketplace: string;
  date_created: string;
  last_updated: string;
  is_test: boolean;
}

export interface PaymentRefund {
  id: number;
  payment_id: number;
  amount: number;
  status: "approved";
  date_created: string;
}

export interface Payment {
  id: number;
  date_created: string;
  date_approved: string | null;
  date_last_updated: string;
  last_modified: string;
  operation_type: "regular_payment";
  payment_method_id: string;
  payment_type_id: string;
  status: PaymentStatus;
  status_detail: string;
  currency_id: string;
  description: string | null;
  live_mode: boolean;
  collector_id: number;
  payer: { id: number; email: string };
  external_reference: string;
  transaction_amount: number;
  transaction_amount_refunded: number;
  total_paid_amount: number;
  amount_refunded: number;
  installments: number;
  transaction_details: { total_paid_amount: number; net_received_amount: number };
  order: { id: number; type: "mercadopago" };
  pos_id: string;
  store_id: string;
  notification_url: string | null;
  refunds: PaymentRefund[];
}

export interface Store {
  id: string;
  name: string;
  external_id: string;
  date_created: string;
  business_hours: Record<string, unknown>;
  location: {
    address_line: string;
    latitude: number | null;
    longitude: number | null;
    reference: string | null;
  };
}

/** A POS as the API returns it, without the `qr` block (it needs the public base URL). */
export interface PosInfo {
  id: number;
  name: string;
  fixed_amount: boolean;
  category: number | null;
  store_id: string;
  external_store_id: string;
  external_id: string;
  status: "active";
  uuid: string;
  user_id: number;
  date_created: string;
  date_last_updated: string;
}

export interface MerchantOrderSearchResult {
  elements: MerchantOrder[] | null;
  next_offset: number;
  total: number;
}

/** Per POS view used by the page and `GET /api/pos`. */
export interface PosOverview {
  pos: PosInfo;
  auto_created: boolean;
  order: Record<string, unknown> | null;
  order_put_at: string | null;
  order_expires_at: string | null;
  merchant_orders: MerchantOrder[];
}

/** What a soak test needs to know about one external_reference. */
export interface ReferenceTruth {
  external_reference: string;
  paid: boolean;
  paid_merchant_order_id: number | null;
  merchant_order_ids: number[];
  approved_amount: number;
}

export type SimulatorEvent =
  | { type: "merchant_order"; action: "created" | "updated"; merchantOrder: MerchantOrder }
  | {
      type: "payment";
      action: "payment.created" | "payment.updated";
      payment: Payment;
      notificationUrl: string | null;
    };

export type SimulatorListener = (event: SimulatorEvent) => void;

export interface SimulatorStateOptions {
  /** The only access token the simulated API accepts. Never exposed by the simulator. */
  accessToken: string;
  /** The simulated seller's Mercado Pago user id (the `user_id` in instore paths). */
  collectorId: number;
  now?: () => Date;
  /** Site of the seller, default `MLA` (its currency is used: ARS). */
  siteId?: string;
  /** UTC offset used when formatting dates, in minutes. Default -180 (Argentina). */
  utcOffsetMinutes?: number;
  /**
   * Validity of an order PUT without `expiration_date`. Mercado Pago's default is not documented
   * (v1 used 10 minutes); the simulator keeps such orders until replaced, deleted or paid
   * unless this is set.
   */
  defaultOrderTtlMs?: number | null;
  /**
   * Create the merchant order as soon as the order is PUT (instead of on scan). Mercado Pago's
   * migration guide says the merchant order "is created when the order is generated" and, since
   * 2024, `opened` notifications may arrive at any moment; this reproduces that timing.
   */
  merchantOrderOnPut?: boolean;
}

export interface PayOptions {
  status: PayOutcome;
  /** Amount of the payment; default: what is still missing to cover the order. */
  amount?: number;
}

export interface SimulatorState {
  readonly collectorId: number;
  readonly siteId: string;
  readonly currencyId: string;
  /** Constant-time check of a bearer token. */
  isValidAccessToken(token: string): boolean;
  subscribe(listener: SimulatorListener): () => void;
  /** Applies time-based rules (expiry) against `now()`. Called by every other method. */
  sweep(): void;
  /** Forgets stores, POS, orders and payments (ids keep increasing). */
  reset(): void;

  // Mercado Pago API behaviour
  putOrder(userId: string, storeExternalId: string, posExternalId: string, body: unknown): void;
  getOrder(userId: string, posExternalId: string): Record<string, unknown>;
  deleteOrder(userId: string, posExternalId: string): void;
  createStore(userId: string, body: unknown): Store;
  searchStores(userId: string, externalId?: string): Store[];
  createPos(body: unknown): PosInfo;
  getPos(id: number): PosInfo;
  searchPos(filter: {
    external_id?: string;
    external_store_id?: string;
    store_id?: string;
  }): PosInfo[];
  findPosByExternalId(externalId: string): PosInfo | null;
  getMerchantOrder(id: number): MerchantOrder;
  searchMerchantOrders(query: {
    external_reference?: string;
    status?: string;
    limit?: number;
    offset?: number;
  }): MerchantOrderSearchResult;
  getPayment(id: number): Payment;

  // Customer side helpers
  /** Ensures a POS exists (creating its store if needed), as the PUT convenience does. */
  ensurePos(externalId: string, storeExternalId?: string): PosInfo;
  scan(posExternalId: string): MerchantOrder;
  pay(
    target: string | number,
    options: PayOptions,
  ): { payment: Payment; merchantOrder: MerchantOrder };
  /** Moves a pending/in_process payment to approved or rejected. */
  settlePayment(
    paymentId: number,
    status: "approved" | "rejected",
  ): { payment: Payment; merchantOrder: MerchantOrder };
  expire(posExternalId: string): MerchantOrder[];
  refund(paymentId: number, amount?: number): { payment: Payment; merchantOrder: MerchantOrder };
  /**
   * `POST /v1/payments/{id}/refunds`: refunds `amount` (all that remains when absent). A second
   * call with the same idempotency key returns the refund the first one made.
   */
  createRefund(
    paymentId: number,
    amount: number | undefined,
    idempotencyKey: string,
  ): PaymentRefund;
  /** `GET /v1/payments/{id}/refunds` */
  listRefunds(paymentId: number): PaymentRefund[];

  // Queries for tests and the page
  listPos(): PosOverview[];
  merchantOrdersByReference(externalReference: string): MerchantOrder[];
  truth(externalReference: string): ReferenceTruth;
  summary(): Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Internal records

interface OrderSlot {
  seq: number;
  order: Record<string, unknown>;
  externalReference: string;
  totalCents: number;
  notificationUrl: string | null;
  putAt: Date;
  expiresAt: Date | null;
}

interface StoreRecord {
  id: number;
  name: string;
  externalId: string;
  businessHours: Record<string, unknown>;
  location: Store["location"];
  dateCreated: Date;
  autoCreated: boolean;
}

interface PosRecord {
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
}

interface MerchantOrderRecord {
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

interface PaymentRecord {
  id: number;
  merchantOrderId: number;
  status: PaymentStatus;
  statusDetail: string;
  amountCents: number;
  refundedCents: number;
  refunds: { id: number; amountCents: number; at: Date }[];
  dateCreated: Date;
  dateApproved: Date | null;
  lastModified: Date;
}

const CURRENCY_BY_SITE: Record<string, string> = {
  MLA: "ARS",
  MLB: "BRL",
  MLC: "CLP",
  MCO: "COP",
  MLM: "MXN",
  MPE: "PEN",
  MLU: "UYU",
};

const STATUS_DETAIL: Record<PayOutcome, string> = {
  approved: "accredited",
  rejected: "cc_rejected_other_reason",
  pending: "pending_waiting_payment",
  in_process: "pending_contingency",
};

const BUYER = { id: 3_000_000_001, email: "buyer@example.com" };

// Id ranges differ per resource so a test that confuses ids fails loudly.
const STORE_ID_BASE = 50_000_000;
const POS_ID_BASE = 80_000_000;
const MERCHANT_ORDER_ID_BASE = 10_000_000_000;
const PAYMENT_ID_BASE = 70_000_000_000;
const REFUND_ID_BASE = 90_000_000_000;

function notFound(code: string, message: string): SimulatorError {
  return new SimulatorError(404, code, message);
}

function conflict(message: string): SimulatorError {
  return new SimulatorError(409, "conflict", message);
}

function badRequest(code: string, message: string): SimulatorError {
  return new SimulatorError(400, code, message);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function createSimulatorState(opts: SimulatorStateOptions): SimulatorState {
  const now = opts.now ?? (() => new Date());
  const collectorId = opts.collectorId;
  const siteId = opts.siteId ?? "MLA";
  const currencyId = CURRENCY_BY_SITE[siteId] ?? "ARS";
  const offset = opts.utcOffsetMinutes ?? -180;
  const defaultTtl = opts.defaultOrderTtlMs ?? null;
  const tokenBuffer = Buffer.from(opts.accessToken, "utf8");

  const stores = new Map<number, StoreRecord>();
  const posByExternalId = new Map<string, PosRecord>();
  const merchantOrders = new Map<number, MerchantOrderRecord>();
  const payments = new Map<number, PaymentRecord>();
  // Indexes, so that no call walks every order a long run has made (sweep runs on every call):
  // merchant orders by external_reference and by POS, the ones that can still expire, and the
  // POS whose slot has an expiry. The last two drop closed entries as sweep meets them.
  const moByReference = new Map<string, MerchantOrderRecord[]>();
  const moByPos = new Map<string, MerchantOrderRecord[]>();
  const liveMerchantOrders = new Set<MerchantOrderRecord>();
  const posWithExpiringSlot = new Set<PosRecord>();
  const listeners = new Set<SimulatorListener>();

  let storeCounter = 0;
  let posCounter = 0;
  let moCounter = 0;
  let paymentCounter = 0;
  let refundCounter = 0;
  // X-Idempotency-Key of refund POSTs → the refund made (payment id, refund id)
  const refundKeys = new Map<string, { paymentId: number; refundId: number }>();
  let slotCounter = 0;

  const fmt = (d: Date): string => formatMpDate(d, offset);

  function indexed<K, V>(index: Map<K, V[]>, key: K): V[] {
    let list = index.get(key);
    if (!list) index.set(key, (list = []));
    return list;
  }

  function emit(event: SimulatorEvent): void {
    for (const listener of listeners) listener(event);
  }

  // ----- views ---------------------------------------------------------------------------------

  function paymentsOf(mo: MerchantOrderRecord): PaymentRecord[] {
    const list: PaymentRecord[] = [];
    for (const id of mo.paymentIds) {
      const p = payments.get(id);
      if (p) list.push(p);
    }
    return list;
  }

  function approvedCents(mo: MerchantOrderRecord): number {
    return paymentsOf(mo)
      .filter((p) => p.status === "approved")
      .reduce((sum, p) => sum + p.amountCents, 0);
  }

  function hasApprovedOrPending(mo: MerchantOrderRecord): boolean {
    return paymentsOf(mo).some(
      (p) => p.status === "approved" || p.status === "pending" || p.status === "in_process",
    );
  }

  function computeStatus(mo: MerchantOrderRecord): {
    status: MerchantOrderStatus;
    orderStatus: OrderStatus;
    paidCents: number;
    refundedCents: number;
  } {
    const list = paymentsOf(mo);
    // Money that was collected at some point (approved, possibly refunded later). Whether
    // Mercado Pago's `paid_amount` keeps refunded money is not documented; we keep it.
    const paidCents = list
      .filter((p) => p.status === "approved" || p.status === "refunded")
      .reduce((sum, p) => sum + p.amountCents, 0);
    const refundedCents = list.reduce((sum, p) => sum + p.refundedCents, 0);
    const approved = approvedCents(mo);

    if (mo.expired) {
      return { status: "expired", orderStatus: "expired", paidCents, refundedCents };
    }
    let orderStatus: OrderStatus;
    if (refundedCents > 0) {
      orderStatus = refundedCents >= paidCents ? "reverted" : "partially_reverted";
    } else if (mo.closed) {
      orderStatus = "paid";
    } else if (approved > 0) {
      orderStatus = "partially_paid";
    } else if (list.some((p) => p.status === "pending" || p.status === "in_process")) {
      orderStatus = "payment_in_process";
    } else {
      orderStatus = "payment_required";
    }
    // After a refund the merchant order stays `closed` (refunds only show in order_status and
    // the amounts); Mercado Pago does not document a status change there.
    return { status: mo.closed ? "closed" : "opened", orderStatus, paidCents, refundedCents };
  }

  function paymentSubView(p: PaymentRecord): MerchantOrderPayment {
    const amount = fromCents(p.amountCents);
    return {
      id: p.id,
      transaction_amount: amount,
      total_paid_amount: amount,
      shipping_cost: 0,
      currency_id: currencyId,
      status: p.status,
      status_detail: p.statusDetail,
      operation_type: "regular_payment",
      date_approved: p.dateApproved ? fmt(p.dateApproved) : null,
      date_created: fmt(p.dateCreated),
      last_modified: fmt(p.lastModified),
      amount_refunded: fromCents(p.refundedCents),
    };
  }

  function itemsOf(order: Record<string, unknown>): MerchantOrderItem[] {
    const raw = order["items"];
    if (!Array.isArray(raw)) return [];
    return raw.filter(isRecord).map((item) => ({
      id: stringOrNull(item["sku_number"]),
      category_id: stringOrNull(item["category"]),
      currency_id: currencyId,
      title: stringOrNull(item["title"]) ?? "",
      description: stringOrNull(item["description"]),
      picture_url: null,
      quantity: numberOrNull(item["quantity"]) ?? 0,
      unit_price: numberOrNull(item["unit_price"]) ?? 0,
    }));
  }

  function moView(mo: MerchantOrderRecord): MerchantOrder {
    const computed = computeStatus(mo);
    const list = paymentsOf(mo);
    const sponsor = mo.order["sponsor"];
    return {
      id: mo.id,
      status: computed.status,
      order_status: computed.orderStatus,
      external_reference: mo.externalReference,
      preference_id: null,
      application_id: null,
      site_id: siteId,
      collector: { id: collectorId, nickname: null },
      payer: list.length > 0 ? { ...BUYER } : null,
      sponsor_id: isRecord(sponsor) ? numberOrNull(sponsor["id"]) : null,
      items: itemsOf(mo.order),
      payments: list.map(paymentSubView),
      shipments: [],
      total_amount: fromCents(mo.totalCents),
      paid_amount: fromCents(computed.paidCents),
      refunded_amount: fromCents(computed.refundedCents),
      shipping_cost: 0,
      cancelled: mo.expired,
      notification_url: mo.notificationUrl,
      additional_info: "",
      marketplace: "NONE",
      date_created: fmt(mo.dateCreated),
      last_updated: fmt(mo.lastUpdated),
      is_test: false,
    };
  }

  function paymentView(p: PaymentRecord): Payment {
    const mo = merchantOrders.get(p.merchantOrderId);
    if (!mo) throw new Error(`payment ${p.id} has no merchant order`);
    const pos = posByExternalId.get(mo.posExternalId);
    const amount = fromCents(p.amountCents);
    return {
      id: p.id,
      date_created: fmt(p.dateCreated),
      date_approved: p.dateApproved ? fmt(p.dateApproved) : null,
      date_last_updated: fmt(p.lastModified),
      last_modified: fmt(p.lastModified),
      operation_type: "regular_payment",
      payment_method_id: "account_money",
      payment_type_id: "account_money",
      status: p.status,
      status_detail: p.statusDetail,
      currency_id: currencyId,
      description: stringOrNull(mo.order["title"]),
      live_mode: false,
      collector_id: collectorId,
      payer: { ...BUYER },
      external_reference: mo.externalReference,
      transaction_amount: amount,
      transaction_amount_refunded: fromCents(p.refundedCents),
      total_paid_amount: amount,
      amount_refunded: fromCents(p.refundedCents),
      installments: 1,
      transaction_details: { total_paid_amount: amount, net_received_amount: amount },
      order: { id: mo.id, type: "mercadopago" },
      pos_id: pos ? String(pos.id) : "",
      store_id: pos ? String(pos.storeId) : "",
      notification_url: mo.notificationUrl,
      refunds: p.refunds.map((r) => refundView(p, r)),
    };
  }

  function storeView(s: StoreRecord): Store {
    return {
      id: String(s.id),
      name: s.name,
      external_id: s.externalId,
      date_created: fmt(s.dateCreated),
      business_hours: structuredClone(s.businessHours),
      location: { ...s.location },
    };
  }

  function posView(p: PosRecord): PosInfo {
    return {
      id: p.id,
      name: p.name,
      fixed_amount: true,
      category: p.category,
      store_id: String(p.storeId),
      external_store_id: p.externalStoreId,
      external_id: p.externalId,
      status: "active",
      uuid: p.uuid,
      user_id: collectorId,
      date_created: fmt(p.dateCreated),
      date_last_updated: fmt(p.dateCreated),
    };
  }

  function emitMo(mo: MerchantOrderRecord, action: "created" | "updated"): void {
    emit({ type: "merchant_order", action, merchantOrder: moView(mo) });
  }

  function emitPayment(p: PaymentRecord, action: "payment.created" | "payment.updated"): void {
    const mo = merchantOrders.get(p.merchantOrderId);
    emit({
      type: "payment",
      action,
      payment: paymentView(p),
      notificationUrl: mo ? mo.notificationUrl : null,
    });
  }

  // ----- time ----------------------------------------------------------------------------------

  function sweep(): void {
    const t = now().getTime();
    for (const pos of posWithExpiringSlot) {
      if (!pos.slot?.expiresAt) posWithExpiringSlot.delete(pos);
      else if (pos.slot.expiresAt.getTime() <= t) {
        pos.slot = null;
        posWithExpiringSlot.delete(pos);
      }
    }
    for (const mo of liveMerchantOrders) {
      if (mo.closed || mo.expired) {
        liveMerchantOrders.delete(mo);
        continue;
      }
      if (!mo.expiresAt) continue;
      if (mo.expiresAt.getTime() > t) continue;
      // Expired = cancelled order with no approved or pending payment (API reference §4.2).
      if (hasApprovedOrPending(mo)) continue;
      mo.expired = true;
      liveMerchantOrders.delete(mo);
      mo.lastUpdated = new Date(Math.max(mo.expiresAt.getTime(), mo.lastUpdated.getTime()));
      emitMo(mo, "updated");
    }
  }

  // ----- stores and POS ------------------------------------------------------------------------

  function storeByExternalId(externalId: string): StoreRecord | undefined {
    for (const s of stores.values()) if (s.externalId === externalId) return s;
    return undefined;
  }

  function addStore(
    name: string,
    externalId: string,
    location: Store["location"],
    businessHours: Record<string, unknown>,
    autoCreated: boolean,
  ): StoreRecord {
    storeCounter += 1;
    const record: StoreRecord = {
      id: STORE_ID_BASE + storeCounter,
      name,
      externalId,
      businessHours,
      location,
      dateCreated: now(),
      autoCreated,
    };
    stores.set(record.id, record);
    return record;
  }

  function addPos(
    name: string,
    externalId: string,
    store: StoreRecord,
    category: number | null,
    autoCreated: boolean,
  ): PosRecord {
    posCounter += 1;
    const record: PosRecord = {
      id: POS_ID_BASE + posCounter,
      name,
      externalId,
      storeId: store.id,
      externalStoreId: store.externalId,
      category,
      uuid: randomUUID().replaceAll("-", ""),
      dateCreated: now(),
      autoCreated,
      slot: null,
    };
    posByExternalId.set(externalId, record);
    return record;
  }

  function ensurePosRecord(externalId: string, storeExternalId?: string): PosRecord {
    const existing = posByExternalId.get(externalId);
    if (existing) return existing;
    validatePosExternalId(externalId);
    const storeExt = storeExternalId ?? "SIMSTORE";
    let store = storeByExternalId(storeExt);
    if (!store) {
      const emptyLocation = { address_line: "", latitude: null, longitude: null, reference: null };
      store = addStore(`Store ${storeExt}`, storeExt, emptyLocation, {}, true);
    }
    return addPos(`POS ${externalId}`, externalId, store, null, true);
  }

  function requirePos(externalId: string): PosRecord {
    const pos = posByExternalId.get(externalId);
    if (!pos) throw notFound("not_found", `POS ${externalId} not found`);
    return pos;
  }

  function createStore(userId: string, raw: unknown): Store {
    if (!/^\d+$/.test(userId) || Number(userId) !== collectorId) {
      throw badRequest("INVALID_USER_ID", "user_id is not valid for this access token");
    }
    if (!isRecord(raw)) throw badRequest("MISSING_BODY", "body is required");
    const allowed = new Set(["name", "location", "business_hours", "external_id"]);
    for (const key of Object.keys(raw)) {
      if (!allowed.has(key)) throw badRequest("UNKNOWN_FIELD", `unknown field: ${key}`);
    }
    const name = raw["name"];
    if (typeof name !== "string" || name.trim() === "") {
      throw badRequest("INVALID_NAME", "name is required");
    }
    const loc = raw["location"];
    if (!isRecord(loc)) throw badRequest("INVALID_LOCATION", "location is required");
    const locString = (key: string, code: string): string => {
      const v = loc[key];
      if (typeof v !== "string" || v.trim() === "") throw badRequest(code, `${key} is required`);
      return v;
    };
    const streetNumber = locString("street_number", "INVALID_STREET_NUMBER");
    const streetName = locString("street_name", "INVALID_STREET_NAME");
    const cityName = locString("city_name", "INVALID_CITY_NAME");
    const stateName = locString("state_name", "INVALID_STATE_NAME");
    const latitude = loc["latitude"];
    if (typeof latitude !== "number" || latitude < -90 || latitude > 90) {
      throw badRequest("INVALID_LATITUDE", "latitude must be a number between -90 and 90");
    }
    const longitude = loc["longitude"];
    if (typeof longitude !== "number" || longitude < -180 || longitude > 180) {
      throw badRequest("INVALID_LONGITUDE", "longitude must be a number between -180 and 180");
    }
    const reference = loc["reference"];
    if (reference !== undefined && typeof reference !== "string") {
      throw badRequest("INVALID_REFERENCE", "reference must be a string");
    }
    const hours = raw["business_hours"];
    if (hours !== undefined && !isRecord(hours)) {
      throw badRequest("INVALID_BUSINESS_HOURS", "business_hours must be an object");
    }
    const externalId = raw["external_id"];
    if (typeof externalId !== "string" || !STORE_EXTERNAL_ID.test(externalId)) {
      throw badRequest("INVALID_EXTERNAL_ID", "external_id must be alphanumeric (max 60)");
    }
    if (storeByExternalId(externalId)) {
      throw badRequest("VALIDATION_ERROR", "External_id-already-used");
    }
    const record = addStore(
      name,
      externalId,
      {
        address_line: `${streetName} ${streetNumber}, ${cityName}, ${stateName}`,
        latitude,
        longitude,
        reference: typeof reference === "string" ? reference : null,
      },
      isRecord(hours) ? structuredClone(hours) : {},
      false,
    );
    return storeView(record);
  }

  function createPos(raw: unknown): PosInfo {
    if (!isRecord(raw)) throw badRequest("MISSING_BODY", "body is required");
    const allowed = new Set([
      "name",
      "fixed_amount",
      "category",
      "store_id",
      "external_store_id",
      "external_id",
      "url",
    ]);
    for (const key of Object.keys(raw)) {
      if (!allowed.has(key)) {
        throw badRequest("UNKNOWN_FIELD_EXCEPTION", `unknown field: ${key}`);
      }
    }
    const name = raw["name"];
    if (typeof name !== "string" || name.trim() === "") {
      throw badRequest("INVALID_NAME", "name is required");
    }
    if (name.length >= 45) throw badRequest("NAME_TOO_LONG", "name must have less than 45 chars");
    const fixed = raw["fixed_amount"];
    if (typeof fixed !== "boolean") {
      throw badRequest("INVALID_FIXED_AMOUNT", "fixed_amount must be boolean");
    }
    if (!fixed) {
      throw badRequest("FIXED_AMOUNT_FALSE", "fixed_amount must be true for the attended model");
    }
    const category = raw["category"];
    if (category !== undefined && (typeof category !== "number" || !Number.isInteger(category))) {
      throw badRequest("INVALID_CATEGORY", "category must be a number");
    }
    const storeIdRaw = raw["store_id"];
    const externalStoreId = raw["external_store_id"];
    let store: StoreRecord | undefined;
    if (storeIdRaw !== undefined) {
      const storeId = Number(storeIdRaw);
      if (!Number.isInteger(storeId)) throw badRequest("INVALID_STORE_ID", "store_id is invalid");
      store = stores.get(storeId);
      if (!store) throw badRequest("INVALID_STORE_ID", "store_id does not exist");
    }
    if (externalStoreId !== undefined) {
      if (typeof externalStoreId !== "string" || !STORE_EXTERNAL_ID.test(externalStoreId)) {
        throw badRequest("INVALID_EXTERNAL_STORE_ID", "external_store_id is invalid");
      }
      const byExternal = storeByExternalId(externalStoreId);
      if (!byExternal) {
        throw badRequest("INEXISTENT_EXTERNAL_STORE_ID", "external_store_id does not exist");
      }
      if (store && store.id !== byExternal.id) {
        throw badRequest(
          "POS_EXTERNAL_STORE_ID_NOT_MATCH",
          "store_id and external_store_id do not match",
        );
      }
      store = byExternal;
    }
    if (!store) throw badRequest("INVALID_STORE_ID", "store_id or external_store_id is required");
    const externalId = raw["external_id"];
    if (typeof externalId !== "string" || !/^[A-Za-z0-9]+$/.test(externalId)) {
      throw badRequest("INVALID_EXTERNAL_ID", "external_id must be alphanumeric");
    }
    if (!POS_EXTERNAL_ID.test(externalId)) {
      throw badRequest("EXTERNAL_ID_TOO_LONG", "external_id must have less than 40 chars");
    }
    const url = raw["url"];
    if (url !== undefined) {
      if (typeof url !== "string") throw badRequest("INVALID_URL", "url must be a string");
      if (url.length >= 300) throw badRequest("URL_TOO_LONG", "url must have less than 300 chars");
    }
    if (posByExternalId.has(externalId)) {
      throw new SimulatorError(409, "conflict", "A pos with the same EXTERNAL_ID already exists");
    }
    const record = addPos(
      name,
      externalId,
      store,
      typeof category === "number" ? category : null,
      false,
    );
    return posView(record);
  }

  // ----- instore orders ------------------------------------------------------------------------

  function putOrder(
    userId: string,
    storeExternalId: string,
    posExternalId: string,
    body: unknown,
  ): void {
    sweep();
    validateCollectorId(userId, collectorId);
    validatePosExternalId(posExternalId);
    const at = now();
    const valid = validateInstoreOrder(body, { collectorId, now: at });
    // Simulator convenience: an unknown POS (and its store) is created on first PUT, so the
    // simulator works without any setup. Mercado Pago requires POST /pos beforehand.
    const pos = ensurePosRecord(posExternalId, storeExternalId);
    slotCounter += 1;
    // A new PUT replaces whatever order the POS had (the documented model is one slot per POS;
    // what Mercado Pago does with the previous order is not documented). Merchant orders already
    // created for the previous order are left as they are.
    pos.slot = {
      seq: slotCounter,
      order: valid.body,
      externalReference: valid.externalReference,
      totalCents: valid.totalCents,
      notificationUrl: valid.notificationUrl,
      putAt: at,
      expiresAt:
        valid.expiresAt ?? (defaultTtl !== null ? new Date(at.getTime() + defaultTtl) : null),
    };
    if (pos.slot.expiresAt) posWithExpiringSlot.add(pos);
    if (opts.merchantOrderOnPut) scan(posExternalId);
  }

  function getOrder(userId: string, posExternalId: string): Record<string, unknown> {
    sweep();
    validateCollectorId(userId, collectorId);
    validatePosExternalId(posExternalId);
    const slot = posByExternalId.get(posExternalId)?.slot;
    if (!slot) {
      throw notFound("point_of_sale_in_store_order_not_found", "No associated order found.");
    }
    return structuredClone(slot.order);
  }

  function deleteOrder(userId: string, posExternalId: string): void {
    sweep();
    validateCollectorId(userId, collectorId);
    validatePosExternalId(posExternalId);
    // Answering 204 also when nothing is on the POS (or the POS is unknown) is a choice: the
    // real result in that case is not documented (reports mention a 500 for other QR APIs).
    const pos = posByExternalId.get(posExternalId);
    if (pos) pos.slot = null;
  }

  // ----- merchant orders and payments ----------------------------------------------------------

  function scan(posExternalId: string): MerchantOrder {
    sweep();
    const pos = requirePos(posExternalId);
    const slot = pos.slot;
    if (!slot) throw conflict(`POS ${posExternalId} has no order (waiting screen)`);
    moCounter += 1;
    const at = now();
    const mo: MerchantOrderRecord = {
      id: MERCHANT_ORDER_ID_BASE + moCounter,
      posExternalId,
      slotSeq: slot.seq,
      order: structuredClone(slot.order),
      externalReference: slot.externalReference,
      totalCents: slot.totalCents,
      notificationUrl: slot.notificationUrl,
      expiresAt: slot.expiresAt,
      dateCreated: at,
      lastUpdated: at,
      closed: false,
      expired: false,
      paymentIds: [],
    };
    merchantOrders.set(mo.id, mo);
    indexed(moByReference, mo.externalReference).push(mo);
    indexed(moByPos, posExternalId).push(mo);
    liveMerchantOrders.add(mo);
    emitMo(mo, "created");
    return moView(mo);
  }

  function requireMo(id: number): MerchantOrderRecord {
    const mo = merchantOrders.get(id);
    if (!mo) throw notFound("not_found", `Merchant Order ${id} not found`);
    return mo;
  }

  function requirePayment(id: number): PaymentRecord {
    const p = payments.get(id);
    if (!p) throw notFound("not_found", `Payment not found`);
    return p;
  }

  /** Re-evaluates closure after a payment change and frees the POS when paid in full. */
  function afterPaymentChange(mo: MerchantOrderRecord): void {
    if (!mo.closed && !mo.expired && approvedCents(mo) >= mo.totalCents) {
      mo.closed = true;
      // The customer paid: the QR goes back to the waiting screen.
      const pos = posByExternalId.get(mo.posExternalId);
      if (pos?.slot && pos.slot.seq === mo.slotSeq) pos.slot = null;
    }
  }

  function pay(
    target: string | number,
    options: PayOptions,
  ): { payment: Payment; merchantOrder: MerchantOrder } {
    sweep();
    if (!Object.hasOwn(STATUS_DETAIL, options.status)) {
      throw badRequest(
        "invalid_status",
        "status must be approved, rejected, pending or in_process",
      );
    }
    let mo: MerchantOrderRecord;
    if (typeof target === "number") {
      mo = requireMo(target);
    } else {
      const pos = requirePos(target);
      const slot = pos.slot;
      if (!slot) throw conflict(`POS ${target} has no order (waiting screen)`);
      let latest: MerchantOrderRecord | undefined;
      for (const candidate of moByPos.get(target) ?? []) {
        if (candidate.slotSeq !== slot.seq) continue;
        if (candidate.closed || candidate.expired) continue;
        if (!latest || candidate.id > latest.id) latest = candidate;
      }
      // Paying without a merchant order means the customer scans first.
      mo = latest ?? requireMo(scan(target).id);
    }
    if (mo.expired) throw conflict(`merchant order ${mo.id} is expired`);
    if (mo.closed) throw conflict(`merchant order ${mo.id} is already closed`);

    let amountCents: number;
    if (options.amount === undefined) {
      const remaining = mo.totalCents - approvedCents(mo);
      amountCents = remaining > 0 ? remaining : mo.totalCents;
    } else {
      if (
        typeof options.amount !== "number" ||
        !Number.isFinite(options.amount) ||
        options.amount <= 0 ||
        !hasAtMostTwoDecimals(options.amount)
      ) {
        throw badRequest("invalid_amount", "amount must be a positive number with 2 decimals max");
      }
      amountCents = toCents(options.amount);
    }

    const at = now();
    paymentCounter += 1;
    const payment: PaymentRecord = {
      id: PAYMENT_ID_BASE + paymentCounter,
      merchantOrderId: mo.id,
      status: options.status,
      statusDetail: STATUS_DETAIL[options.status],
      amountCents,
      refundedCents: 0,
      refunds: [],
      dateCreated: at,
      dateApproved: options.status === "approved" ? at : null,
      lastModified: at,
    };
    payments.set(payment.id, payment);
    mo.paymentIds.push(payment.id);
    mo.lastUpdated = at;
    afterPaymentChange(mo);
    emitPayment(payment, "payment.created");
    emitMo(mo, "updated");
    return { payment: paymentView(payment), merchantOrder: moView(mo) };
  }

  function settlePayment(
    paymentId: number,
    status: "approved" | "rejected",
  ): { payment: Payment; merchantOrder: MerchantOrder } {
    sweep();
    const payment = requirePayment(paymentId);
    if (payment.status !== "pending" && payment.status !== "in_process") {
      throw conflict(`payment ${paymentId} is ${payment.status}, not pending`);
    }
    const mo = requireMo(payment.merchantOrderId);
    if (status === "approved" && (mo.closed || mo.expired)) {
      throw conflict(`merchant order ${mo.id} is ${mo.closed ? "closed" : "expired"}`);
    }
    const at = now();
    payment.status = status;
    payment.statusDetail = STATUS_DETAIL[status];
    payment.lastModified = at;
    if (status === "approved") payment.dateApproved = at;
    mo.lastUpdated = at;
    afterPaymentChange(mo);
    emitPayment(payment, "payment.updated");
    emitMo(mo, "updated");
    // A rejected settlement can leave an order past its expiry without live payments.
    sweep();
    return { payment: paymentView(payment), merchantOrder: moView(mo) };
  }

  function expire(posExternalId: string): MerchantOrder[] {
    sweep();
    const pos = requirePos(posExternalId);
    const at = now();
    if (pos.slot) {
      pos.slot.expiresAt = at;
      posWithExpiringSlot.add(pos);
    }
    const affected: MerchantOrderRecord[] = [];
    for (const mo of moByPos.get(posExternalId) ?? []) {
      if (mo.closed || mo.expired) continue;
      if (hasApprovedOrPending(mo)) continue;
      mo.expiresAt = at;
      affected.push(mo);
    }
    sweep();
    return affected.map(moView);
  }

  function refund(
    paymentId: number,
    amount?: number,
  ): { payment: Payment; merchantOrder: MerchantOrder } {
    sweep();
    const payment = requirePayment(paymentId);
    if (payment.status !== "approved") {
      throw conflict(`payment ${paymentId} is ${payment.status}; only approved can be refunded`);
    }
    const available = payment.amountCents - payment.refundedCents;
    let cents = available;
    if (amount !== undefined) {
      if (typeof amount !== "number" || amount <= 0 || !hasAtMostTwoDecimals(amount)) {
        throw badRequest("invalid_amount", "amount must be a positive number with 2 decimals max");
      }
      cents = toCents(amount);
      if (cents > available) throw badRequest("invalid_amount", "amount exceeds the refundable");
    }
    const at = now();
    refundCounter += 1;
    payment.refunds.push({ id: REFUND_ID_BASE + refundCounter, amountCents: cents, at });
    payment.refundedCents += cents;
    if (payment.refundedCents >= payment.amountCents) {
      payment.status = "refunded";
      payment.statusDetail = "refunded";
    } else {
      payment.statusDetail = "partially_refunded";
    }
    payment.lastModified = at;
    const mo = requireMo(payment.merchantOrderId);
    mo.lastUpdated = at;
    emitPayment(payment, "payment.updated");
    emitMo(mo, "updated");
    return { payment: paymentView(payment), merchantOrder: moView(mo) };
  }

  function refundView(p: PaymentRecord, r: PaymentRecord["refunds"][number]): PaymentRefund {
    return {
      id: r.id,
      payment_id: p.id,
      amount: fromCents(r.amountCents),
      status: "approved",
      date_created: fmt(r.at),
    };
  }

  function createRefund(
    paymentId: number,
    amount: number | undefined,
    idempotencyKey: string,
  ): PaymentRefund {
    const seen = refundKeys.get(idempotencyKey);
    if (seen) {
      // Mercado Pago's handling of a reused key on this endpoint is not documented; answering
      // the refund the key already made is the documented purpose of the header.
      const p = requirePayment(seen.paymentId);
      const r = p.refunds.find((x) => x.id === seen.refundId);
      if (!r) throw new Error(`refund ${seen.refundId} vanished`);
      return refundView(p, r);
    }
    const payment = requirePayment(paymentId);
    if (payment.status !== "approved") {
      throw badRequest("invalid_payment_status", `payment ${paymentId} cannot be refunded`);
    }
    refund(paymentId, amount);
    const made = payment.refunds[payment.refunds.length - 1];
    if (!made) throw new Error("refund not recorded");
    refundKeys.set(idempotencyKey, { paymentId, refundId: made.id });
    return refundView(payment, made);
  }

  function searchMerchantOrders(query: {
    external_reference?: string;
    status?: string;
    limit?: number;
    offset?: number;
  }): MerchantOrderSearchResult {
    sweep();
    const records =
      query.external_reference === undefined
        ? [...merchantOrders.values()]
        : (moByReference.get(query.external_reference) ?? []);
    let list = records.map(moView);
    if (query.status !== undefined) list = list.filter((mo) => mo.status === query.status);
    const total = list.length;
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.max(1, Math.min(query.limit ?? 30, 100));
    const page = list.slice(offset, offset + limit);
    // Mercado Pago answers `elements: null` (not an empty list) when nothing matches.
    return {
      elements: page.length > 0 ? page : null,
      next_offset: page.length > 0 ? offset + page.length : 0,
      total,
    };
  }

  function merchantOrdersByReference(externalReference: string): MerchantOrder[] {
    sweep();
    return (moByReference.get(externalReference) ?? []).map(moView);
  }

  function truth(externalReference: string): ReferenceTruth {
    sweep();
    const list = moByReference.get(externalReference) ?? [];
    let paidId: number | null = null;
    let approved = 0;
    for (const mo of list) {
      const cents = approvedCents(mo);
      approved += cents;
      if (paidId === null && mo.closed && cents >= mo.totalCents) paidId = mo.id;
    }
    return {
      external_reference: externalReference,
      paid: paidId !== null,
      paid_merchant_order_id: paidId,
      merchant_order_ids: list.map((mo) => mo.id),
      approved_amount: fromCents(approved),
    };
  }

  function listPos(): PosOverview[] {
    sweep();
    return [...posByExternalId.values()].map((pos) => ({
      pos: posView(pos),
      auto_created: pos.autoCreated,
      order: pos.slot ? structuredClone(pos.slot.order) : null,
      order_put_at: pos.slot ? fmt(pos.slot.putAt) : null,
      order_expires_at: pos.slot?.expiresAt ? fmt(pos.slot.expiresAt) : null,
      merchant_orders: [...(moByPos.get(pos.externalId) ?? [])]
        .sort((a, b) => b.id - a.id)
        .slice(0, 20)
        .map(moView),
    }));
  }

  function summary(): Record<string, unknown> {
    sweep();
    return {
      collector_id: collectorId,
      site_id: siteId,
      currency_id: currencyId,
      now: fmt(now()),
      stores: [...stores.values()].map((s) => ({
        id: String(s.id),
        external_id: s.externalId,
        auto_created: s.autoCreated,
      })),
      pos: [...posByExternalId.values()].map((p) => ({
        id: p.id,
        external_id: p.externalId,
        external_store_id: p.externalStoreId,
        auto_created: p.autoCreated,
        current_order: p.slot
          ? {
              external_reference: p.slot.externalReference,
              total_amount: fromCents(p.slot.totalCents),
            }
          : null,
      })),
      merchant_orders: [...merchantOrders.values()].map((mo) => {
        const view = moView(mo);
        return {
          id: view.id,
          external_reference: view.external_reference,
          status: view.status,
          order_status: view.order_status,
          total_amount: view.total_amount,
          paid_amount: view.paid_amount,
          payments: view.payments.map((p) => ({ id: p.id, status: p.status })),
        };
      }),
      payments: payments.size,
    };
  }

  return {
    collectorId,
    siteId,
    currencyId,
    isValidAccessToken(token: string): boolean {
      const candidate = Buffer.from(token, "utf8");
      return candidate.length === tokenBuffer.length && timingSafeEqual(candidate, tokenBuffer);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    sweep,
    reset() {
      stores.clear();
      posByExternalId.clear();
      merchantOrders.clear();
      payments.clear();
      moByReference.clear();
      moByPos.clear();
      liveMerchantOrders.clear();
      posWithExpiringSlot.clear();
    },
    putOrder,
    getOrder,
    deleteOrder,
    createStore,
    searchStores(userId, externalId) {
      if (!/^\d+$/.test(userId) || Number(userId) !== collectorId) {
        throw badRequest("INVALID_USER_ID", "user_id is not valid for this access token");
      }
      if (externalId !== undefined && !STORE_EXTERNAL_ID.test(externalId)) {
        throw badRequest("INVALID_EXTERNAL_ID", "external_id must be alphanumeric");
      }
      return [...stores.values()]
        .filter((s) => externalId === undefined || s.externalId === externalId)
        .map(storeView);
    },
    createPos,
    getPos(id) {
      for (const pos of posByExternalId.values()) if (pos.id === id) return posView(pos);
      throw notFound("not_found", `POS ${id} not found`);
    },
    searchPos(filter) {
      return [...posByExternalId.values()]
        .filter((p) => filter.external_id === undefined || p.externalId === filter.external_id)
        .filter(
          (p) =>
            filter.external_store_id === undefined ||
            p.externalStoreId === filter.external_store_id,
        )
        .filter((p) => filter.store_id === undefined || String(p.storeId) === filter.store_id)
        .map(posView);
    },
    findPosByExternalId(externalId) {
      const pos = posByExternalId.get(externalId);
      return pos ? posView(pos) : null;
    },
    getMerchantOrder(id) {
      sweep();
      return moView(requireMo(id));
    },
    searchMerchantOrders,
    getPayment(id) {
      sweep();
      return paymentView(requirePayment(id));
    },
    ensurePos(externalId, storeExternalId) {
      return posView(ensurePosRecord(externalId, storeExternalId));
    },
    scan,
    pay,
    settlePayment,
    expire,
    refund,
    createRefund,
    listRefunds(paymentId) {
      sweep();
      const p = requirePayment(paymentId);
      return p.refunds.map((r) => refundView(p, r));
    },
    listPos,
    merchantOrdersByReference,
    truth,
    summary,
  };
}
