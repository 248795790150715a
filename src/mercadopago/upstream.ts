import type { CallOptions } from "./mercadopago.client.ts";

/**
 * The one upstream port: what the service needs of a Mercado Pago API to sell through a POS QR,
 * and the one neutral observation each API's adapter turns its resources into. `sales/` decides
 * on observations and imports no adapter; the adapters (instore-v2/, orders/) import nothing from
 * `sales/`. Money here is integer cents, as everywhere inside the service.
 */

/** The Mercado Pago API a sale was published on (MP_API), recorded with the sale. */
export const MERCADOPAGO_APIS = ["instore_v2", "orders"] as const;
export type MercadoPagoApi = (typeof MERCADOPAGO_APIS)[number];

export function isMercadoPagoApi(s: string): s is MercadoPagoApi {
  return (MERCADOPAGO_APIS as readonly string[]).includes(s);
}

/** A payment as a sale records it. Instore ids are numbers; Orders API ids are `PAY…` strings. */
export interface ObservedPayment {
  id: number | string;
  status: string;
  /** decimal amount, as Mercado Pago shows it */
  amount: number;
  /** how much of it was given back, when some was */
  refunded?: number;
  /**
   * What Mercado Pago says of how it was paid, where the read that saw it gives it (null: it did
   * not). Decimal amounts as Mercado Pago shows them; dates ISO 8601 as Mercado Pago sent them.
   */
  details?: PaymentDetails;
}

/** A payment's details (contract v1.2 "Payments, receipts, the day close"). */
export interface PaymentDetails {
  /** payment_method_id: visa, master, account_money, pix … */
  method: string | null;
  /** payment_type_id: credit_card, debit_card, account_money, bank_transfer … */
  type: string | null;
  installments: number | null;
  cardLastFour: string | null;
  authorizationCode: string | null;
  /** the sum of fee_details[].amount */
  fee: number | null;
  /** transaction_details.net_received_amount */
  net: number | null;
  moneyReleaseDate: string | null;
  statusDetail: string | null;
  dateApproved: string | null;
}

/** A payment of which the read gave no details (and a sale stored before details were kept). */
export const NO_PAYMENT_DETAILS: PaymentDetails = {
  method: null,
  type: null,
  installments: null,
  cardLastFour: null,
  authorizationCode: null,
  fee: null,
  net: null,
  moneyReleaseDate: null,
  statusDetail: null,
  dateApproved: null,
};

/**
 * A chargeback on a payment, as a read shows it: a payment `charged_back` (instore v2), an Orders
 * API order's `transactions.chargebacks[]`, or the chargeback itself (`GET /v1/chargebacks/{id}`).
 */
export interface ObservedChargeback {
  /** Mercado Pago's chargeback id (null when only the payment's status told of it) */
  id: string | null;
  /** the payment charged back */
  paymentId: string;
  amountCents: number;
  /** Mercado Pago's word for where it stands (`charged_back`, a documentation status …) */
  status: string;
  /** when it was opened, as Mercado Pago sent it (null: not given) */
  openedAt: string | null;
}

/** An Orders API refund as the order shows it (`transactions.refunds[]`). */
export interface ObservedRefund {
  /** REF… (null when the answer names none) */
  id: string | null;
  /** the payment (PAY…) it gives money back from */
  paymentId: string | null;
  amountCents: number;
  /** `processing`, `processed`, or a word of Mercado Pago's that ends it without money back */
  status: string | null;
}

/** What one upstream resource (a merchant order, an Orders API order) says about a sale. */
export interface UpstreamObservation {
  api: MercadoPagoApi;
  /** the merchant order id (digits) or the order id (`ORD…`) */
  id: string;
  /** whose it is: the sale with this external_reference (null: nobody's) */
  externalReference: string | null;
  /** the upstream's own status word, kept with the sale for the record */
  status: string;
  /**
   * The upstream says the buying is over with money taken (merchant order `closed`, order
   * `processed`): only then can approved money make the sale paid.
   */
  settled: boolean;
  /** money approved (accredited) and not given back: what must cover the sale total */
  approvedCents: number;
  /** money collected: approved, and refunded or charged back since */
  paidCents: number;
  /** money of it given back (refunds, chargebacks) */
  refundedCents: number;
  /** money that had been taken was given back or charged back */
  reverted: boolean;
  /** expired or cancelled upstream */
  ended: boolean;
  payments: ObservedPayment[];
  /** Orders API: the order's refunds, processing or not (instore v2 reads payment refunds) */
  refunds?: ObservedRefund[];
  /** ISO time of the resource's last change, for "newest first" (may be empty) */
  updatedAt: string;
  /** a payment is in_process/pending and none is approved (the display must not offer the QR) */
  paymentInProcess?: boolean;
  /** chargebacks on its payments (they never make a paid sale less paid) */
  chargebacks?: ObservedChargeback[];
}

/** An item of an order as the service keeps it (the shape of a sale's item). */
export interface UpstreamItem {
  title: string;
  unitPriceCents: number;
  quantity: number;
  unitMeasure: string;
  skuNumber?: string;
  category?: string;
  description?: string;
}

/** What an adapter needs of a sale to put its order up for payment. */
export interface PublishRequest {
  externalReference: string;
  storeId: string;
  posId: string;
  title: string;
  description: string;
  items: UpstreamItem[];
  taxes: { type: string; valueCents: number }[] | null;
  totalCents: number;
  expiresAt: Date;
  createdAt: Date;
}

/** What a publication gave back: the Orders API's ids and QR text (none for instore v2). */
export interface Publication {
  orderId: string | null;
  paymentId: string | null;
  qrData: string | null;
}

/** The sale an adapter acts on: where its order is, and the Orders API id stored at create. */
export interface UpstreamSale {
  externalReference: string;
  posId: string;
  orderId: string | null;
}

/**
 * The port. Each adapter publishes a sale's order, withdraws it (instore: takes it off the POS if
 * the POS still shows ours; Orders API: cancels it while it is `created`), and reads what Mercado
 * Pago holds for the sale (instore: by external_reference, every merchant order of it; Orders
 * API: by the id stored at create, as it has no search by reference) as neutral observations.
 */
export interface Upstream {
  readonly api: MercadoPagoApi;
  publish(req: PublishRequest, o?: CallOptions): Promise<Publication>;
  withdraw(sale: UpstreamSale, o?: CallOptions): Promise<void>;
  read(sale: UpstreamSale, o?: CallOptions): Promise<UpstreamObservation[]>;
  /**
   * Fills in the details of payments their read did not carry (instore v2: a merchant order
   * lists no method, card or fees, so each such payment is read once by id, bounded; the Orders
   * API's order is all it says). Never fails: a payment unread keeps its nulls.
   */
  completeDetails?(
    sale: UpstreamSale,
    payments: ObservedPayment[],
    opts?: CallOptions,
  ): Promise<ObservedPayment[]>;
}

/**
 * Instore orders v2 puts the order in the POS's one slot: a PUT replaces whatever is there, so
 * the service looks at the slot before it deletes or republishes.
 */
export interface InstoreUpstream extends Upstream {
  readonly api: "instore_v2";
  /** Whether the POS shows this sale's order now (the POS has one order slot). */
  holds(sale: UpstreamSale, o?: CallOptions): Promise<boolean>;
  /** Removes whatever order is on the POS (used only when whose it is cannot be known). */
  clearPos(posId: string, o?: CallOptions): Promise<void>;
}

/** A problem that keeps a sale from being published on an API (a request's field and why). */
export interface PublishProblem {
  path: string;
  message: string;
}

/**
 * Mercado Pago's Orders API: the order is named by the id stored at create; it has limits of
 * its own (items, lengths, no taxes) that a sale is checked against before it is stored.
 */
export interface OrdersUpstream extends Upstream {
  readonly api: "orders";
  problems(sale: Pick<PublishRequest, "description" | "items" | "taxes">): PublishProblem[];
  /**
   * Gives money back on the order's payment: all of it (`amountCents` null: no body, a total
   * refund) or part of it. The idempotency key makes a repeat of the same refund safe. Answers
   * the refunds the order shows after it (null when the answer is not an order).
   */
  refund(
    orderId: string,
    paymentId: string,
    amountCents: number | null,
    idempotencyKey: string,
    o?: CallOptions,
  ): Promise<ObservedRefund[] | null>;
}
