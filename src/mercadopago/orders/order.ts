import { createHash } from "node:crypto";
import { centsFromApi } from "../../money.ts";
import { ordersApiAmount } from "../../sites.ts";
import { detailsOfOrderPayment, paymentInProcess } from "../payment-details.ts";
import type {
  ObservedChargeback,
  ObservedRefund,
  PublishRequest,
  UpstreamObservation,
} from "../upstream.ts";
import type { Order, OrderBody, QrMode } from "./orders.schemas.ts";

/** Limits of a QR order's body (reference/mercadopago-orders-api.md §1.2). */
export const ORDER_LIMITS = {
  items: 10,
  itemTitle: 150,
  description: 150,
  externalCode: 30,
} as const;

/**
 * The currency's decimals: two ("12.50"), or none for CLP and COP ("1500"), which Mercado Pago
 * refuses with decimals. UNCONFIRMED (reference §9.1): the references disagree on "two decimals
 * or none" and "must contain two decimals"; for two-decimal currencies two satisfy both readings.
 */
export function orderAmount(cents: number, decimals: 0 | 2 = 2): string {
  return ordersApiAmount(cents, { decimals });
}

/** An ISO-8601 duration for a whole number of seconds: 600 → "PT10M", 3661 → "PT1H1M1S". */
export function isoDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const parts = `${h ? `${h}H` : ""}${m ? `${m}M` : ""}${rest ? `${rest}S` : ""}`;
  return `PT${parts || "0S"}`;
}

/** A UUID-shaped (version 4 layout) key derived from `seed`: the same seed, the same key. */
function derivedKey(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  const variant = ((parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The create's X-Idempotency-Key, derived from the sale (its reference and when it was stored):
 * a create retried after a lost answer, by the request or by the sweeper, sends the same key, so
 * Mercado Pago answers with the order it already made instead of making a second one.
 */
export function createIdempotencyKey(
  sale: Pick<PublishRequest, "externalReference" | "createdAt">,
) {
  return derivedKey(`orders:create:${sale.externalReference}:${sale.createdAt.toISOString()}`);
}

/** The cancel's X-Idempotency-Key: one cancel per order, however often it is retried. */
export function cancelIdempotencyKey(orderId: string): string {
  return derivedKey(`orders:cancel:${orderId}`);
}

/**
 * Why a sale cannot be published as a QR order (none: it can); nothing is ever cut short.
 * UNCONFIRMED (reference §9.10): QR orders in Colombia and any IVA field; `taxes` are refused
 * rather than dropped, since dropping them would publish a total the store did not ask for.
 */
export function orderProblems(
  sale: Pick<PublishRequest, "description" | "items" | "taxes">,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (sale.taxes) {
    problems.push({
      path: "taxes",
      message:
        "taxes are not supported by Mercado Pago's Orders API (MP_API=orders); " +
        "send the sale without taxes or publish it with MP_API=instore_v2",
    });
  }
  if (sale.items.length > ORDER_LIMITS.items) {
    problems.push({
      path: "items",
      message: `must have at most ${ORDER_LIMITS.items} items with Mercado Pago's Orders API (MP_API=orders)`,
    });
  }
  if (sale.description.length > ORDER_LIMITS.description) {
    problems.push({
      path: "description",
      message:
        `must be at most ${ORDER_LIMITS.description} characters with Mercado Pago's Orders API ` +
        "(MP_API=orders); without a description, the title is used",
    });
  }
  sale.items.forEach((item, i) => {
    if (item.title.length > ORDER_LIMITS.itemTitle) {
      problems.push({
        path: `items.${i}.title`,
        message: `must be at most ${ORDER_LIMITS.itemTitle} characters with Mercado Pago's Orders API (MP_API=orders)`,
      });
    }
    if (item.skuNumber && item.skuNumber.length > ORDER_LIMITS.externalCode) {
      problems.push({
        path: `items.${i}.sku_number`,
        message: `must be at most ${ORDER_LIMITS.externalCode} characters with Mercado Pago's Orders API (MP_API=orders)`,
      });
    }
  });
  return problems;
}

/**
 * The `POST /v1/orders` body of a sale: one payment transaction for the whole total, amounts
 * as strings with two decimals, the order's life as an ISO-8601 duration. Item descriptions and
 * the sale's title are not in the QR field list (unknown fields are refused), so they are not
 * sent; the sale's description is the order's. The caller checked `orderProblems` first.
 */
/**
 * The platform's share of a total: `percent` of it, rounded to the currency's smallest unit
 * (half up; whole units where the currency has no cents).
 */
export function marketplaceFeeCents(totalCents: number, percent: number, decimals: 0 | 2 = 2) {
  const unit = decimals === 0 ? 100 : 1;
  // percent has at most 2 decimals: in hundredths it is an integer, and so is the product
  const hundredths = Math.round(percent * 100);
  return Math.round((totalCents * hundredths) / 10_000 / unit) * unit;
}

export function orderBody(
  sale: PublishRequest,
  opts: {
    mode: QrMode;
    ttlSeconds: number;
    sponsorId: string | undefined;
    decimals?: 0 | 2;
    /** MP_MARKETPLACE_FEE_PERCENT, for a merchant connected by OAuth only */
    marketplaceFeePercent?: number | undefined;
  },
): OrderBody {
  const total = orderAmount(sale.totalCents, opts.decimals);
  return {
    type: "qr",
    external_reference: sale.externalReference,
    description: sale.description,
    total_amount: total,
    expiration_time: isoDuration(opts.ttlSeconds),
    config: { qr: { external_pos_id: sale.posId, mode: opts.mode } },
    transactions: { payments: [{ amount: total }] },
    items: sale.items.map((item) => ({
      title: item.title,
      unit_price: orderAmount(item.unitPriceCents, opts.decimals),
      quantity: item.quantity,
      unit_measure: item.unitMeasure,
      ...(item.skuNumber ? { external_code: item.skuNumber } : {}),
      ...(item.category ? { external_categories: [{ id: item.category }] } : {}),
    })),
    ...(opts.sponsorId ? { integration_data: { sponsor: { id: opts.sponsorId } } } : {}),
    ...(opts.marketplaceFeePercent
      ? {
          marketplace_fee: orderAmount(
            marketplaceFeeCents(sale.totalCents, opts.marketplaceFeePercent, opts.decimals),
            opts.decimals,
          ),
        }
      : {}),
  };
}

/**
 * Paid, for an order: `processed` with `accredited` (the status table also writes `processed`,
 * and `partially_refunded` is a paid order part of which went back: all three are accepted,
 * §0.6, §3.1). Nothing else counts: a missing status_detail is read as not paid.
 * UNCONFIRMED (reference §9.2, §9.13): which detail a paid order carries, and what a rejected
 * attempt leaves; any other status or detail (an order left `created` after a rejection, or an
 * `order.failed` if it exists) keeps the sale pending, never paid.
 */
const PAID_DETAIL = new Set(["accredited", "processed", "partially_refunded"]);

function paymentCents(p: Order["transactions"]["payments"][number]): number {
  const amount = centsFromApi(p.amount);
  const paid = centsFromApi(p.paid_amount);
  // paid_amount, once present, is what the buyer paid: less than asked never covers the amount
  return paid > 0 ? Math.min(amount, paid) : amount;
}

function accredited(p: Order["transactions"]["payments"][number]): boolean {
  return p.status === "processed" && PAID_DETAIL.has(p.status_detail ?? "");
}

function collected(p: Order["transactions"]["payments"][number]): boolean {
  return accredited(p) || p.status === "refunded";
}

/**
 * What an order says, neutrally. Money counts in cents from its payment transactions (never
 * from `total_paid_amount`); refunds count once `processed` (a `processing` refund is not money
 * back yet), or all of a payment or order whose status says `refunded`.
 * UNCONFIRMED (reference §9.14): the webhook action of a partial refund. The action is never
 * read: every notification leads to this read of the order, whatever it was called.
 */
export function observeOrder(order: Order): UpstreamObservation {
  const payments = order.transactions.payments;
  const refunds = order.transactions.refunds.filter((r) => r.status === "processed");
  const refundedOf = (paymentId: string) =>
    refunds
      .filter((r) => r.transaction_id === paymentId || r.transaction_id === null)
      .reduce((sum, r) => sum + centsFromApi(r.amount), 0);
  const paidCents = payments.filter(collected).reduce((sum, p) => sum + paymentCents(p), 0);
  const perPayment = payments.filter(collected).map((p) => {
    const cents = paymentCents(p);
    return p.status === "refunded" ? cents : Math.min(cents, refundedOf(p.id));
  });
  const byPayments = perPayment.reduce((a, b) => a + b, 0);
  const refundedCents = Math.min(
    paidCents,
    order.status === "refunded" ? paidCents : Math.max(byPayments, 0),
  );
  return {
    api: "orders",
    id: order.id,
    externalReference: order.external_reference,
    status: order.status,
    settled: order.status === "processed" && PAID_DETAIL.has(order.status_detail ?? ""),
    approvedCents: payments.filter(accredited).reduce((sum, p) => sum + paymentCents(p), 0),
    paidCents,
    refundedCents,
    reverted: order.status === "refunded" || refundedCents > 0,
    ended: order.status === "expired" || order.status === "canceled",
    payments: payments.map((p) => {
      const refunded = p.status === "refunded" ? paymentCents(p) : refundedOf(p.id);
      return {
        id: p.id,
        status: p.status,
        amount: p.amount,
        ...(refunded > 0 ? { refunded: refunded / 100 } : {}),
        details: detailsOfOrderPayment(p),
      };
    }),
    refunds: observeRefunds(order),
    updatedAt: order.last_updated_date ?? "",
    paymentInProcess: paymentInProcess(
      payments.map((p) => ({ status: p.status, statusDetail: p.status_detail ?? null })),
      (p) => p.status === "processed" && PAID_DETAIL.has(p.statusDetail ?? ""),
    ),
    chargebacks: observeChargebacks(order),
  };
}

/**
 * An order's chargebacks, in cents. One naming no payment is the order's one payment's (a QR
 * order has one); without any payment it cannot be placed and is left out.
 */
export function observeChargebacks(order: Order): ObservedChargeback[] {
  const only = order.transactions.payments.length === 1 ? order.transactions.payments[0] : null;
  return order.transactions.chargebacks.flatMap((c) => {
    const paymentId = c.transaction_id ?? only?.id ?? null;
    if (!paymentId) return [];
    return [
      {
        id: c.id ?? null,
        paymentId,
        amountCents: centsFromApi(c.amount),
        status: c.status ?? "charged_back",
        openedAt: c.created_date ?? c.date_created ?? null,
      },
    ];
  });
}

/** An order's refunds, processing or not, in cents. */
export function observeRefunds(order: Order): ObservedRefund[] {
  return order.transactions.refunds.map((r) => ({
    id: r.id ?? null,
    paymentId: r.transaction_id ?? null,
    amountCents: centsFromApi(r.amount),
    status: r.status ?? null,
  }));
}
