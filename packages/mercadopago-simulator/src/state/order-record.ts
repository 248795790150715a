// The Orders API's internal record of an order and how it reads: the order as the API answers
// it, its QR data, and its short views for the state summary and the page. Pure functions.

import type {
  ApiOrder,
  ApiOrderPayment,
  ApiOrderStatus,
  ApiPaymentStatus,
  RefundOutcome,
} from "./types.ts";
import type { QrMode, ValidOrderItem } from "../orders-validation.ts";
import { isRecord, ordersError } from "../util.ts";
import type { StateCore } from "./core.ts";

export interface RefundRecord {
  id: string;
  referenceId: string;
  amountCents: number;
  /** When an asynchronous refund ends; null once it has. */
  settleAt: Date | null;
  /** How it ends (`processed` at once for a synchronous refund). */
  outcome: RefundOutcome;
  createdAt: Date;
}

/** A refund item's status as the order shows it. */
export function refundStatus(r: RefundRecord): "processing" | "processed" | "failed" {
  return r.settleAt !== null ? "processing" : r.outcome;
}

/** Money a refund holds: given back, or on its way (a failed one holds nothing). */
export function heldCents(r: RefundRecord): number {
  return refundStatus(r) === "failed" ? 0 : r.amountCents;
}

export interface OrderRecord {
  id: string;
  paymentId: string;
  body: Record<string, unknown>;
  externalReference: string;
  description: string | null;
  totalCents: number;
  expirationTime: string;
  expiresAt: Date;
  posExternalId: string;
  mode: QrMode;
  items: ValidOrderItem[];
  sponsorId: string | null;
  qrData: string | null;
  status: ApiOrderStatus;
  statusDetail: string;
  paymentStatus: ApiPaymentStatus;
  paymentStatusDetail: string;
  paidCents: number;
  referenceId: string | null;
  /** When the buyer paid (the payment's approval); null until then. */
  paidAt: Date | null;
  refunds: RefundRecord[];
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

const COUNTRY_BY_SITE: Record<string, string> = {
  MLA: "ARG",
  MLB: "BRA",
  MLC: "CHL",
  MCO: "COL",
  MLM: "MEX",
  MPE: "PER",
  MLU: "URY",
};
const APPLICATION_ID = "1234567890123456";

export function amount(cents: number): string {
  return (cents / 100).toFixed(2);
}

function iso(d: Date): string {
  return d.toISOString();
}

/** The seller an order belongs to (the state's collector, site and currency). */
export type Seller = Pick<StateCore, "collectorId" | "siteId" | "currencyId">;

/**
 * 409 unless the order is `only`: `already` when it is already in the status the call would
 * give it (`done`), else `cannot` (cancel needs `created`, refund `processed`).
 */
export function requireOrderStatus(
  o: OrderRecord,
  rule: {
    only: ApiOrderStatus;
    done: ApiOrderStatus;
    already: string;
    cannot: string;
    verb: string;
  },
): void {
  if (o.status === rule.only) return;
  throw ordersError(
    409,
    o.status === rule.done ? rule.already : rule.cannot,
    `Order ${o.id} is ${o.status}; only a ${rule.only} order can be ${rule.verb}`,
  );
}

export function orderView(o: OrderRecord, seller: Seller): ApiOrder {
  const { collectorId, siteId, currencyId } = seller;
  const payment: ApiOrderPayment = {
    id: o.paymentId,
    amount: amount(o.totalCents),
    status: o.paymentStatus,
    status_detail: o.paymentStatusDetail,
  };
  if (o.referenceId !== null) {
    payment.paid_amount = amount(o.paidCents);
    payment.payment_method = { id: "account_money", type: "account_money", installments: 1 };
    payment.reference = { id: o.referenceId };
  }
  const integration: Record<string, unknown> = { application_id: APPLICATION_ID };
  const sent = o.body["integration_data"];
  if (isRecord(sent)) Object.assign(integration, structuredClone(sent));
  const order: ApiOrder = {
    id: o.id,
    type: "qr",
    user_id: String(collectorId),
    external_reference: o.externalReference,
    total_amount: amount(o.totalCents),
    expiration_time: o.expirationTime,
    processing_mode: "automatic",
    country_code: COUNTRY_BY_SITE[siteId] ?? "ARG",
    status: o.status,
    status_detail: o.statusDetail,
    currency: currencyId,
    created_date: iso(o.createdAt),
    last_updated_date: iso(o.updatedAt),
    integration_data: integration,
    config: { qr: { external_pos_id: o.posExternalId, mode: o.mode } },
    transactions: { payments: [payment] },
  };
  if (o.description !== null) order.description = o.description;
  if (o.referenceId !== null) order.total_paid_amount = amount(o.paidCents);
  if (o.refunds.length > 0) {
    order.transactions.refunds = o.refunds.map((r) => ({
      id: r.id,
      transaction_id: o.paymentId,
      reference_id: r.referenceId,
      amount: amount(r.amountCents),
      status: refundStatus(r),
    }));
  }
  if (o.body["items"] !== undefined) order.items = structuredClone(o.body["items"] as unknown[]);
  if (o.body["discounts"] !== undefined) order.discounts = structuredClone(o.body["discounts"]);
  if (o.qrData !== null) order.type_response = { qr_data: o.qrData };
  return order;
}

export function qrData(o: { id: string; totalCents: number; posExternalId: string }): string {
  // EMVCo-looking (payload format, merchant account, currency, amount, country, CRC); it only
  // identifies the order for the simulator, it is not a payable Mercado Pago code.
  const value = amount(o.totalCents);
  const mai = `0014br.gov.mpsim01${String(o.id.length).padStart(2, "0")}${o.id}`;
  return (
    `000201010212` +
    `26${String(mai.length).padStart(2, "0")}${mai}` +
    `5303032` +
    `54${String(value.length).padStart(2, "0")}${value}` +
    `5802AR` +
    `62${String(o.posExternalId.length + 4).padStart(2, "0")}05${String(o.posExternalId.length).padStart(2, "0")}${o.posExternalId}` +
    `6304SIM0`
  );
}

/** The short view of an order in the state summary. */
export function orderSummary(o: OrderRecord): Record<string, unknown> {
  return {
    id: o.id,
    external_reference: o.externalReference,
    external_pos_id: o.posExternalId,
    mode: o.mode,
    status: o.status,
    status_detail: o.statusDetail,
    total_amount: amount(o.totalCents),
  };
}

/** The page's view of an order (amounts as numbers, like an Instore order). */
export function orderPageView(o: OrderRecord): {
  order: Record<string, unknown>;
  expiresAt: Date;
} {
  return {
    order: {
      id: o.id,
      api: "orders",
      title: o.description ?? "",
      external_reference: o.externalReference,
      total_amount: o.totalCents / 100,
      items: o.items.map((it) => ({
        title: it.title,
        quantity: it.quantity,
        unit_price: it.unitPriceCents / 100,
        total_amount: (it.unitPriceCents * it.quantity) / 100,
      })),
    },
    expiresAt: o.expiresAt,
  };
}
