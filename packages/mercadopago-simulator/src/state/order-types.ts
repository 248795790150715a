// The public shapes of the Orders API for QR (`/v1/orders`): orders, their payments and refunds,
// their events, the options of the API and how refunds end (on both APIs). Imports nothing of
// the state.

import type { QrMode } from "../orders-validation.ts";

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
