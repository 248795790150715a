import { fromCents } from "./money.ts";
import type { SaleBody, SaleEventBody } from "./sale.responses.ts";
import type { Sale, SaleEvent, SalePayment } from "./sale.ts";
import { NO_PAYMENT_DETAILS } from "../mercadopago/upstream.ts";

/** A payment as the API shows it: its details where Mercado Pago gave them, else null (v1.2). */
export function presentPayment(p: SalePayment): SaleBody["payments"][number] {
  // sales stored before details were kept have none: every detail unknown
  const d = p.details ?? NO_PAYMENT_DETAILS;
  return {
    id: p.id,
    status: p.status,
    amount: p.amount,
    method: d.method,
    type: d.type,
    installments: d.installments,
    card_last_four: d.cardLastFour,
    authorization_code: d.authorizationCode,
    fee_amount: d.fee,
    net_amount: d.net,
    money_release_date: d.moneyReleaseDate,
    status_detail: d.statusDetail,
    refunded_amount: p.refunded ?? 0,
  };
}

/** The sale as the API shows it (api-contract.md): an explicit allow-list, amounts as decimals. */
export function presentSale(sale: Sale): SaleBody {
  return {
    external_reference: sale.externalReference,
    status: sale.status,
    // where the order stands on the POS: publishing | on_pos | withdrawing | withdrawn
    order_state: sale.orderState,
    merchant_order_status: sale.merchantOrderStatus,
    merchant_order_id: sale.merchantOrderId,
    store_id: sale.storeId,
    pos_id: sale.posId,
    title: sale.title,
    description: sale.description,
    currency: sale.currency,
    total_amount: fromCents(sale.totalCents),
    paid_amount: fromCents(sale.paidCents),
    refunded_amount: fromCents(sale.refundedCents),
    items: sale.items.map((i) => ({
      title: i.title,
      unit_price: fromCents(i.unitPriceCents),
      quantity: i.quantity,
      unit_measure: i.unitMeasure,
      total_amount: fromCents(i.unitPriceCents * i.quantity),
      ...(i.skuNumber ? { sku_number: i.skuNumber } : {}),
      ...(i.category ? { category: i.category } : {}),
      ...(i.description ? { description: i.description } : {}),
    })),
    ...(sale.taxes
      ? { taxes: sale.taxes.map((t) => ({ type: t.type, value: fromCents(t.valueCents) })) }
      : {}),
    payments: sale.payments.map(presentPayment),
    // v1.2: a payment being processed (the display shows it instead of the QR), a chargeback
    payment_in_process: sale.paymentInProcess,
    dispute: sale.dispute
      ? {
          status: sale.dispute.status,
          amount: fromCents(sale.dispute.amountCents),
          opened_at: sale.dispute.openedAt,
        }
      : null,
    // the API the sale was published on, and the Orders API's order id and QR text (v1.1)
    mercadopago_api: sale.mercadopagoApi,
    order_id: sale.orderId,
    qr_data: sale.qrData,
    created_at: sale.createdAt.toISOString(),
    updated_at: sale.updatedAt.toISOString(),
    expires_at: sale.expiresAt.toISOString(),
    paid_at: sale.paidAt?.toISOString() ?? null,
    cancelled_at: sale.cancelledAt?.toISOString() ?? null,
  };
}

export function presentEvent(e: SaleEvent): SaleEventBody {
  return {
    from: e.from,
    to: e.to,
    source: e.source,
    merchant_order_id: e.merchantOrderId,
    detail: e.detail,
    at: e.at.toISOString(),
  };
}

/**
 * A refund of the sale as its history shows it. The refunds feature fills it in
 * (refunds/refund.presenter.ts), so sales need not know how a refund is kept.
 */
export interface RefundEntry {
  /** the refunds feature's statuses (REFUND_STATUSES); processing: not money back yet */
  status: "requested" | "processing" | "done" | "failed";
  amount: number;
  refunded_amount: number;
  failure: { code: string; message: string } | null;
  created_at: string;
  updated_at: string;
}

/**
 * Where a sale's refunds are read from, already presented: a port the refunds feature fills
 * (`refundHistoryOf`, wired in app.ts); absent, the sale has none here.
 */
export interface RefundHistory {
  ofSale(sale: Sale): Promise<RefundEntry[]>;
}
