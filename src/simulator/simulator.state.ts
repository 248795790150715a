// In-memory state of the Mercado Pago simulator: stores, POS with their single order slot,
// merchant orders and payments. Pure logic, no HTTP. Time is read from `now()` and every
// time-dependent rule (order expiry) is evaluated lazily, so tests can drive a fake clock.

//
// Each resource lives in its own module (`simulator.state.<resource>.ts`) over a shared core
// (`simulator.state.core.ts`); this file holds the public types and puts the modules together.

import { timingSafeEqual } from "node:crypto";

import { createStateCore, type RefundSettings } from "./simulator.state.core.ts";
import { createOrdersApi } from "./simulator.state.orders.ts";
import type {
  ApiOrder,
  ApiOrderEvent,
  ApiPayOutcome,
  OrdersApiOptions,
} from "./simulator.state.orders.ts";
import { createInstoreOrders } from "./simulator.state.instore.ts";
import { createMerchantOrdersPayments } from "./simulator.state.merchant-orders.ts";
import { createRefunds } from "./simulator.state.refunds.ts";
import { createStoresPos } from "./simulator.state.stores.ts";
import { fromCents, toCents } from "./simulator.util.ts";

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
  /** `in_process` while an asynchronous refund is not made yet; `rejected` when it was not */
  status: "approved" | "in_process" | "rejected";
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
  /** The Orders API order on the POS (`created`), or null; `order` then shows it for the page. */
  api_order: ApiOrder | null;
  merchant_orders: MerchantOrder[];
}

/** What a soak test needs to know about one external_reference, on either API. */
export interface ReferenceTruth {
  external_reference: string;
  /** a closed merchant order, or a processed Orders API order, whose money covers its total */
  paid: boolean;
  paid_merchant_order_id: number | null;
  merchant_order_ids: number[];
  /** Orders API: the paid order, and every order made with this external_reference */
  paid_order_id: string | null;
  order_ids: string[];
  /** approved money of the merchant orders plus paid money of processed orders */
  approved_amount: number;
}

export type SimulatorEvent =
  | { type: "merchant_order"; action: "created" | "updated"; merchantOrder: MerchantOrder }
  | {
      type: "payment";
      action: "payment.created" | "payment.updated";
      payment: Payment;
      notificationUrl: string | null;
    }
  | ApiOrderEvent;

export type SimulatorListener = (event: SimulatorEvent) => void;

export interface SimulatorStateOptions extends OrdersApiOptions {
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
  /**
   * A payment that lands on a merchant order already expired (one in flight at the expiry):
   * it reopens and closes the order. Not documented; on request only, to show that a paid
   * order wins over an expiry.
   */
  late?: boolean;
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

  // Orders API (`/v1/orders`); writes take the X-Idempotency-Key header value
  createApiOrder(
    body: unknown,
    idempotencyKey: string | undefined,
  ): { status: number; body: ApiOrder };
  getApiOrder(id: string): ApiOrder;
  cancelApiOrder(
    id: string,
    idempotencyKey: string | undefined,
  ): { status: number; body: ApiOrder };
  refundApiOrder(
    id: string,
    body: unknown,
    idempotencyKey: string | undefined,
  ): { status: number; body: ApiOrder };
  /**
   * Customer side: pays (or fails to pay) an order, by order id or by the POS it is on; `late`
   * pays an order that has expired (a payment in flight at the expiry).
   */
  payApiOrder(
    target: string,
    outcome: ApiPayOutcome,
    amountCents?: number,
    late?: boolean,
  ): ApiOrder;
  /** Seller side: the order is cancelled outside the integration (panel, another integration). */
  cancelApiOrderElsewhere(target: string): ApiOrder;
  /** How refunds end from now on (both APIs); the settings as they stand after the change. */
  setRefunds(change: Partial<RefundSettings>): RefundSettings;
  refundSettings(): RefundSettings;
  /** Customer side: makes a `created` order (by id or POS) expire now. */
  expireApiOrder(target: string): ApiOrder;
  /** The Orders API order on a POS while it is `created`, else null. */
  apiOrderOnPos(posExternalId: string): ApiOrder | null;
  apiOrdersByReference(externalReference: string): ApiOrder[];
}

// ---------------------------------------------------------------------------------------------
// Internal records
export function createSimulatorState(opts: SimulatorStateOptions): SimulatorState {
  const core = createStateCore(opts);
  const { fmt, now, collectorId, siteId, currencyId, sweep } = core;
  const { stores, posByExternalId, merchantOrders, payments, moByPos } = core;
  const tokenBuffer = Buffer.from(opts.accessToken, "utf8");

  const storesPos = createStoresPos(core);
  const mos = createMerchantOrdersPayments(core, storesPos);
  const refunds = createRefunds(core, mos);
  const instore = createInstoreOrders(core, storesPos, mos);
  const ordersApi = createOrdersApi(core, storesPos, opts);
  // Slots first: a merchant order's expiry does not depend on its slot, but this is the order
  // the rules always ran in.
  core.sweepers.push(
    instore.sweepSlots,
    mos.sweepMerchantOrders,
    ordersApi.sweepOrders,
    refunds.sweepRefunds,
  );
  const { posView, ensurePosRecord } = storesPos;
  const { moView } = mos;

  function listPos(): PosOverview[] {
    sweep();
    return [...posByExternalId.values()].map((pos) => {
      const api = ordersApi.pageView(pos);
      const expiresAt = pos.slot?.expiresAt ?? api?.expiresAt;
      return {
        pos: posView(pos),
        auto_created: pos.autoCreated,
        order: pos.slot ? structuredClone(pos.slot.order) : (api?.order ?? null),
        order_put_at: pos.slot ? fmt(pos.slot.putAt) : null,
        order_expires_at: expiresAt ? fmt(expiresAt) : null,
        api_order: ordersApi.apiOrderOnPos(pos.externalId),
        merchant_orders: [...(moByPos.get(pos.externalId) ?? [])]
          .sort((a, b) => b.id - a.id)
          .slice(0, 20)
          .map(moView),
      };
    });
  }

  function truth(externalReference: string): ReferenceTruth {
    const instoreTruth = mos.truth(externalReference);
    const orders = ordersApi.apiOrdersByReference(externalReference);
    // processed (partially refunded included) with the paid money covering the order's total,
    // as a closed merchant order counts; a fully refunded order is not paid, as for instore
    const paidOrders = orders.filter(
      (o) =>
        o.status === "processed" &&
        toCents(Number(o.total_paid_amount ?? "0")) >= toCents(Number(o.total_amount)),
    );
    const ordersPaidCents = paidOrders.reduce(
      (sum, o) => sum + toCents(Number(o.total_paid_amount ?? "0")),
      0,
    );
    const paidOrderId = paidOrders[0]?.id ?? null;
    return {
      ...instoreTruth,
      paid: instoreTruth.paid || paidOrderId !== null,
      paid_order_id: paidOrderId,
      order_ids: orders.map((o) => o.id),
      approved_amount: fromCents(toCents(instoreTruth.approved_amount) + ordersPaidCents),
    };
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
      orders: ordersApi.summaries(),
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
      core.listeners.add(listener);
      return () => {
        core.listeners.delete(listener);
      };
    },
    sweep,
    reset() {
      stores.clear();
      posByExternalId.clear();
      merchantOrders.clear();
      payments.clear();
      core.moByReference.clear();
      moByPos.clear();
      core.liveMerchantOrders.clear();
      core.posWithExpiringSlot.clear();
      ordersApi.reset();
      Object.assign(core.refundSettings, {
        mode: opts.refundMode ?? "sync",
        settleMs: opts.refundSettleMs ?? 1000,
        outcome: opts.refundOutcome ?? "processed",
      });
    },
    putOrder: instore.putOrder,
    getOrder: instore.getOrder,
    deleteOrder: instore.deleteOrder,
    createStore: storesPos.createStore,
    searchStores: storesPos.searchStores,
    createPos: storesPos.createPos,
    getPos: storesPos.getPos,
    searchPos: storesPos.searchPos,
    findPosByExternalId: storesPos.findPosByExternalId,
    getMerchantOrder(id) {
      sweep();
      return moView(mos.requireMo(id));
    },
    searchMerchantOrders: mos.searchMerchantOrders,
    getPayment(id) {
      sweep();
      return mos.paymentView(mos.requirePayment(id));
    },
    ensurePos(externalId, storeExternalId) {
      return posView(ensurePosRecord(externalId, storeExternalId));
    },
    scan: mos.scan,
    pay: mos.pay,
    settlePayment: mos.settlePayment,
    expire: mos.expire,
    refund: refunds.refund,
    createRefund: refunds.createRefund,
    listRefunds: refunds.listRefunds,
    listPos,
    merchantOrdersByReference: mos.merchantOrdersByReference,
    truth,
    summary,
    createApiOrder: ordersApi.createApiOrder,
    getApiOrder: ordersApi.getApiOrder,
    cancelApiOrder: ordersApi.cancelApiOrder,
    refundApiOrder: ordersApi.refundApiOrder,
    payApiOrder: ordersApi.payApiOrder,
    expireApiOrder: ordersApi.expireApiOrder,
    cancelApiOrderElsewhere: ordersApi.cancelApiOrderElsewhere,
    setRefunds(change) {
      Object.assign(core.refundSettings, change);
      return { ...core.refundSettings };
    },
    refundSettings: () => ({ ...core.refundSettings }),
    apiOrderOnPos: ordersApi.apiOrderOnPos,
    apiOrdersByReference: ordersApi.apiOrdersByReference,
  };
}
