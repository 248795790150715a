// The simulator's public types: the state's interface, its options, its events and the views
// that span resources; each resource's JSON shapes are in its own module (merchant-order-types.ts,
// store-types.ts, order-types.ts), exported again from here. Every state module and the facade
// (index.ts) import these; this file imports no module of the state, so no import runs back up.

import type {
  Chargeback,
  MerchantOrder,
  MerchantOrderSearchResult,
  PayOptions,
  Payment,
  PaymentRefund,
} from "./merchant-order-types.ts";
import type {
  ApiOrder,
  ApiOrderEvent,
  ApiPayOutcome,
  OrdersApiOptions,
  RefundSettings,
} from "./order-types.ts";
import type { PosInfo, Store } from "./store-types.ts";

export type * from "./merchant-order-types.ts";
export type * from "./order-types.ts";
export type * from "./store-types.ts";

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
  | {
      type: "chargeback";
      action: "created";
      chargeback: Chargeback;
      notificationUrl: string | null;
      /** The seller whose payment was charged back (the notification's `user_id`). */
      collectorId?: number;
    }
  | ApiOrderEvent;

export type SimulatorListener = (event: SimulatorEvent) => void;

export interface SimulatorStateOptions extends OrdersApiOptions {
  /**
   * The access token of the simulator's own account. Never exposed by the simulator. (OAuth
   * sellers' accounts have their own tokens, from the OAuth server.)
   */
  accessToken: string;
  /** The account's seller: its Mercado Pago user id (the `user_id` in instore paths). */
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

export interface SimulatorState {
  readonly collectorId: number;
  readonly siteId: string;
  readonly currencyId: string;
  /** Constant-time check of a bearer token. */
  isValidAccessToken(token: string): boolean;
  /**
   * Whether this account holds the merchant order, the payment (Instore v2) or the Orders API
   * order with this id (ids are unique across the accounts of one simulator).
   */
  holds(kind: "merchant_order" | "payment" | "order", id: number | string): boolean;
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
  /** `GET /v1/chargebacks/{id}` */
  getChargeback(id: string): Chargeback;
  /** An approved payment is charged back by the customer's bank (notified). */
  chargeBack(paymentId: number): { chargeback: Chargeback; payment: Payment };
  /** Every payment (instore v2, and the paid Orders API orders'), as `GET /v1/payments/search` lists them. */
  listPayments(): Payment[];

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
