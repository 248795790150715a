import type { MercadoPagoApi, ObservedPayment } from "../mercadopago/upstream.ts";
import type { SaleStatus } from "./sale-status.ts";

/** A stored item: what the POS sent, with its unit price in cents. */
export interface SaleItem {
  title: string;
  unitPriceCents: number;
  quantity: number;
  unitMeasure: string;
  skuNumber?: string;
  category?: string;
  description?: string;
}

/** A payment as Mercado Pago showed it (instore ids are numbers, Orders API ids `PAY…`). */
export type SalePayment = ObservedPayment;

/**
 * A chargeback on a paid sale's payment, as stored (`sales.dispute`): it never changes the
 * sale's status (the money was paid, and Mercado Pago may give it back to the merchant).
 */
export interface SaleDispute {
  status: string;
  amountCents: number;
  /** as Mercado Pago sent it; null when it gave none */
  openedAt: string | null;
  paymentId: string;
  /** Mercado Pago's chargeback id, when the read named one */
  chargebackId: string | null;
}

/**
 * Where a sale's order stands on its POS: being published (stored, PUT not confirmed), on the POS,
 * being withdrawn (a DELETE of our order is owed) or withdrawn. Every in-between state is owned by
 * the sweeper once the request that started it is over.
 */
export const ORDER_STATES = ["publishing", "on_pos", "withdrawing", "withdrawn"] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** How a create failed, as first answered, so that a replay answers the same. */
export interface CreateFailure {
  status: number;
  code: "mercadopago_rejected" | "mercadopago_unavailable";
  message: string;
  details: unknown[];
}

/** The service's view of a sale (the repository maps rows to this; nothing else sees Prisma). */
export interface Sale {
  id: string;
  externalReference: string;
  storeId: string;
  posId: string;
  title: string;
  description: string;
  items: SaleItem[];
  taxes: { type: string; valueCents: number }[] | null;
  totalCents: number;
  status: SaleStatus;
  orderState: OrderState;
  failure: CreateFailure | null;
  merchantOrderId: number | null;
  merchantOrderStatus: string | null;
  paidCents: number;
  /** money given back at Mercado Pago (refunds made here or there, chargebacks); only grows */
  refundedCents: number;
  payments: SalePayment[];
  requestHash: string;
  expiresAt: Date;
  paidAt: Date | null;
  cancelledAt: Date | null;
  /** when the sweeper next owes the sale a look; null when nothing is owed */
  nextCheckAt: Date | null;
  checkAttempts: number;
  /** the Mercado Pago API the sale was published on: it is settled, cancelled and refunded there */
  mercadopagoApi: MercadoPagoApi;
  /** Orders API: the order id (ORD…) and its payment's id (PAY…), stored at create */
  orderId: string | null;
  orderPaymentId: string | null;
  /** Orders API: the order's status as last read */
  orderStatus: string | null;
  /** hybrid/dynamic Orders API orders: the text of the sale's own QR */
  qrData: string | null;
  /** ISO 4217 (ARS, BRL, CLP…), the site's currency when the sale was made; null: stored before */
  currency: string | null;
  /** a payment is in_process/pending and none is approved yet (the display hides the QR) */
  paymentInProcess: boolean;
  /** a chargeback on the paid sale, null when none */
  dispute: SaleDispute | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What moved a sale: its history names it (`events[].source`). */
export const SALE_EVENT_SOURCES = [
  "create",
  "webhook",
  "reconcile",
  "staff",
  "expiry",
  "reconciliation",
] as const;
export type SaleEventSource = (typeof SALE_EVENT_SOURCES)[number];

export interface SaleEvent {
  from: SaleStatus | null;
  to: SaleStatus;
  source: SaleEventSource;
  merchantOrderId: number | null;
  detail: unknown;
  at: Date;
}
