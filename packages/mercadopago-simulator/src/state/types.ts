// The simulator's public types: the JSON shapes its API answers (Mercado Pago's merchant orders,
// payments, stores, POS and Orders API orders), its events, options and the state's interface.
// Every state module and the facade (index.ts) import these; this file imports no module of the
// state, so no import runs back up.

import type { QrMode } from "../orders-validation.ts";

// ---------------------------------------------------------------------------------------------
// Merchant orders, payments, stores, POS

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

// ---------------------------------------------------------------------------------------------
// Orders API

export type ApiOrderStatus = "created" | "processed" | "refunded" | "canceled" | "expired";
export type ApiPaymentStatus = "created" | "processed" | "refunded" | "canceled" | "expired";
export type ApiOrderAction =
  "order.processed" | "order.canceled" | "order.refunded" | "order.expired";

export interface ApiOrderPayment {
  id: string;
  amount: string;
  status: ApiPaymentStatus;
  status_detail: string;
  paid_amount?: string;
  payment_method?: { id: string; type: string; installments: number };
  reference?: { id: string };
}

export interface ApiOrderRefund {
  id: string;
  transaction_id: string;
  reference_id: string;
  amount: string;
  status: "processing" | "processed" | "failed";
}

export interface ApiOrder {
  id: string;
  type: "qr";
  user_id: string;
  external_reference: string;
  description?: string;
  total_amount: string;
  total_paid_amount?: string;
  expiration_time: string;
  processing_mode: "automatic";
  country_code: string;
  status: ApiOrderStatus;
  status_detail: string;
  currency: string;
  created_date: string;
  last_updated_date: string;
  integration_data: Record<string, unknown>;
  config: { qr: { external_pos_id: string; mode: QrMode } };
  transactions: { payments: ApiOrderPayment[]; refunds?: ApiOrderRefund[] };
  items?: unknown[];
  discounts?: unknown;
  type_response?: { qr_data: string };
}

/** Outcomes the customer side can produce on an Orders API order. */
export type ApiPayOutcome = "approved" | "rejected";

export interface ApiOrderEvent {
  type: "order";
  action: ApiOrderAction;
  order: ApiOrder;
  /** Increases with each change of the order (`data.version` of the webhook). */
  version: number;
}

export interface OrdersApiOptions {
  /** Ids `ORDTST…`, as observed for orders created with test credentials. Default false. */
  ordersTestIds?: boolean;
  /**
   * Create an unknown POS (and its store) on `POST /v1/orders`, as the Instore PUT convenience
   * does, instead of answering 404 `pos_not_found`. Default true, so the simulator works without
   * setup; Mercado Pago needs `POST /pos` first.
   */
  ordersAutoCreatePos?: boolean;
  /**
   * How refunds end, on both APIs (changed at run time with `PUT /api/refunds`). `sync`
   * (default, the Argentine guide): an order's refund items are `processed` at once and the
   * order changes in the answer; a payment refund is `approved`. `async` (the Portuguese guide):
   * the answer shows them `processing` (`in_process` for a payment refund) with the order or
   * payment unchanged; `refundSettleMs` later they end as `refundOutcome` says: `processed`
   * (the order changes and `order.refunded` is sent; the payment refund is `approved`) or
   * `failed` (the order's refund item `failed`, the payment refund `rejected`; nothing given back).
   */
  refundMode?: "sync" | "async";
  /** Delay of an asynchronous refund, default 1000 ms (applied by the sweep). */
  refundSettleMs?: number;
  /** How an asynchronous refund ends, default `processed`. */
  refundOutcome?: "processed" | "failed";
}

/** How an asynchronous refund ends: made, or not. */
export type RefundOutcome = "processed" | "failed";

/**
 * How refunds of both APIs end. `sync`: made in the answer. `async`: the answer shows them
 * processing (`in_process` for a payment refund, `processing` for an order's), and `settleMs`
 * later they end as `outcome` says. Set at start (options) and at run time (`PUT /api/refunds`).
 */
export interface RefundSettings {
  mode: "sync" | "async";
  settleMs: number;
  outcome: RefundOutcome;
}
