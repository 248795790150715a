// How the legacy QR flow's records read: a merchant order (its status and amounts computed from
// its payments), a payment and a payment's refund, as Mercado Pago's API answers them.

import type {
  MerchantOrder,
  MerchantOrderItem,
  MerchantOrderPayment,
  MerchantOrderStatus,
  OrderStatus,
  Payment,
  PaymentRefund,
} from "./types.ts";
import { fromCents, isRecord } from "../util.ts";
import { BUYER, numberOrNull, stringOrNull } from "./core.ts";
import type { MerchantOrderRecord, PaymentRecord, StateCore } from "./core.ts";

export interface MerchantOrderViews {
  paymentsOf(mo: MerchantOrderRecord): PaymentRecord[];
  /** Money of the approved payments. */
  approvedCents(mo: MerchantOrderRecord): number;
  hasApprovedOrPending(mo: MerchantOrderRecord): boolean;
  moView(mo: MerchantOrderRecord): MerchantOrder;
  paymentView(p: PaymentRecord): Payment;
  refundView(p: PaymentRecord, r: PaymentRecord["refunds"][number]): PaymentRefund;
}

export function createMerchantOrderViews(core: StateCore): MerchantOrderViews {
  const { fmt, collectorId, siteId, currencyId, posByExternalId, merchantOrders, payments } = core;

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
  function refundView(p: PaymentRecord, r: PaymentRecord["refunds"][number]): PaymentRefund {
    return {
      id: r.id,
      payment_id: p.id,
      amount: fromCents(r.amountCents),
      status: r.status,
      date_created: fmt(r.at),
    };
  }

  return { paymentsOf, approvedCents, hasApprovedOrPending, moView, paymentView, refundView };
}
