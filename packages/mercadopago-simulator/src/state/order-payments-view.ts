// The payment of a paid Orders API order as `GET /v1/payments/search` lists it. At Mercado Pago
// an Orders API payment is a regular payment: its numeric id is the order payment's
// `reference.id`. That it carries the order's `external_reference`, and the other fields below,
// is not documented for the Orders API; it is how the search lists every other payment, so a
// reconciliation can match it to its sale by reference. Pure functions.

import type { Payment, PaymentRefund } from "./types.ts";
import { fromCents } from "../util.ts";
import { BUYER } from "./core.ts";
import type { PosRecord, StateCore } from "./core.ts";
import { refundStatus } from "./order-record.ts";
import type { OrderRecord, RefundRecord } from "./order-record.ts";

/** What the view needs of the state: the seller, its clock's format and the POS. */
export type OrderPaymentContext = Pick<
  StateCore,
  "collectorId" | "currencyId" | "fmt" | "posByExternalId"
>;

const REFUND_STATUS = {
  processing: "in_process",
  processed: "approved",
  failed: "rejected",
} as const satisfies Record<ReturnType<typeof refundStatus>, PaymentRefund["status"]>;

/** The order's payment as a `Payment`, or null while the order is not paid. */
export function orderPaymentView(o: OrderRecord, ctx: OrderPaymentContext): Payment | null {
  if (o.referenceId === null) return null;
  const { fmt } = ctx;
  const id = Number(o.referenceId);
  const paidAt = o.paidAt ?? o.createdAt;
  const pos: PosRecord | undefined = ctx.posByExternalId.get(o.posExternalId);
  const amount = fromCents(o.paidCents);
  const refundedCents = o.refunds
    .filter((r) => refundStatus(r) === "processed")
    .reduce((sum, r) => sum + r.amountCents, 0);
  const refunded = o.status === "refunded";
  const refundView = (r: RefundRecord): PaymentRefund => ({
    id: Number(r.referenceId),
    payment_id: id,
    amount: fromCents(r.amountCents),
    status: REFUND_STATUS[refundStatus(r)],
    date_created: fmt(r.createdAt),
  });
  return {
    id,
    date_created: fmt(paidAt),
    date_approved: fmt(paidAt),
    date_last_updated: fmt(o.updatedAt),
    last_modified: fmt(o.updatedAt),
    operation_type: "regular_payment",
    // the order's payment_method, as the order answers it (orderView)
    payment_method_id: "account_money",
    payment_type_id: "account_money",
    status: refunded ? "refunded" : "approved",
    status_detail: refunded ? "refunded" : "accredited",
    currency_id: ctx.currencyId,
    description: o.description,
    live_mode: false,
    collector_id: ctx.collectorId,
    payer: { ...BUYER },
    external_reference: o.externalReference,
    transaction_amount: amount,
    transaction_amount_refunded: fromCents(refundedCents),
    total_paid_amount: amount,
    amount_refunded: fromCents(refundedCents),
    installments: 1,
    card: {},
    authorization_code: null,
    // the Orders API order shows no fees nor release date
    fee_details: [],
    money_release_date: null,
    transaction_details: { total_paid_amount: amount, net_received_amount: amount },
    order: null,
    pos_id: pos ? String(pos.id) : "",
    store_id: pos ? String(pos.storeId) : "",
    notification_url: null,
    refunds: o.refunds.map(refundView),
  };
}
