// The public shapes of the legacy QR flow (Instore Orders v2) as its API answers them: merchant
// orders, their payments and the payments' refunds, the merchant order search, and how the
// customer side pays. Imports no module of the state.

/** How a simulated customer pays (payment-methods.ts says what each one looks like). */
export const PAYMENT_METHODS = ["account_money", "visa", "master", "debvisa", "pix"] as const;
export type PaymentMethodChoice = (typeof PAYMENT_METHODS)[number];

export type MerchantOrderStatus = "opened" | "closed" | "expired";
export type OrderStatus =
  | "payment_required"
  | "payment_in_process"
  | "partially_paid"
  | "paid"
  | "partially_reverted"
  | "reverted"
  | "expired";
export type PaymentStatus =
  "approved" | "rejected" | "pending" | "in_process" | "refunded" | "charged_back";
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
  card: { first_six_digits?: string | null; last_four_digits?: string | null };
  authorization_code: string | null;
  fee_details: { type: string; amount: number; fee_payer: string }[];
  money_release_date: string | null;
  transaction_details: { total_paid_amount: number; net_received_amount: number };
  /** The merchant order of an Instore v2 payment; null for an Orders API payment, which has none. */
  order: { id: number; type: "mercadopago" } | null;
  pos_id: string;
  store_id: string;
  notification_url: string | null;
  refunds: PaymentRefund[];
}

/** A chargeback (`GET /v1/chargebacks/{id}`), as Mercado Pago's API reference lists its fields. */
export interface Chargeback {
  id: string;
  payments: number[];
  currency: string;
  amount: number;
  coverage_applied: boolean;
  coverage_elegible: boolean;
  documentation_required: boolean;
  /** pending, review_pending, valid, invalid, not_supplied, not_applicable */
  documentation_status: string;
  documentation: unknown[];
  date_documentation_deadline: string;
  date_created: string;
  date_last_updated: string;
  live_mode: boolean;
}

export interface MerchantOrderSearchResult {
  elements: MerchantOrder[] | null;
  next_offset: number;
  total: number;
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
  /** How the customer pays: a card (visa, master, debvisa), account_money (default), pix (MLB). */
  method?: PaymentMethodChoice;
  /** Credit cards only, 1 to 12 (default 1). */
  installments?: number;
}
