import { fromCents } from "../../money.ts";
import type { CallOptions, MercadoPagoClient } from "../mercadopago.client.ts";
import type { InstoreOrderBody } from "../mercadopago.schemas.ts";
import { detailsOfPayment, hasDetails, mergeDetails } from "../payment-details.ts";
import type {
  InstoreUpstream,
  ObservedPayment,
  PublishRequest,
  UpstreamSale,
} from "../upstream.ts";
import { observeMerchantOrder } from "./merchant-order.ts";

/** Payments of one merchant order read by id for their details, at most (one scan's few). */
export const DETAIL_READS_PER_ORDER = 4;

const MONEY_TAKEN = new Set(["approved", "refunded", "charged_back"]);

/**
 * A merchant order lists its payments without method, card, fees or net: each payment that took
 * money and has no details yet is read once by id (`GET /v1/payments/{id}`), a few at most. A
 * payment that cannot be read keeps its nulls: details never hold up a sale.
 */
export async function completeMerchantOrderDetails(
  mp: Pick<MercadoPagoClient, "getPayment">,
  payments: ObservedPayment[],
  opts?: CallOptions,
): Promise<ObservedPayment[]> {
  const wanted = payments
    .filter((p) => MONEY_TAKEN.has(p.status) && !hasDetails(p.details))
    .slice(0, DETAIL_READS_PER_ORDER)
    .map((p) => String(p.id));
  if (wanted.length === 0) return payments;
  const read = await Promise.all(
    wanted.map((id) =>
      mp.getPayment(id, opts).then(
        (payment) => [id, payment ? detailsOfPayment(payment) : undefined] as const,
        () => [id, undefined] as const,
      ),
    ),
  );
  const byId = new Map(read);
  return payments.map((p) => {
    const details = mergeDetails(p.details, byId.get(String(p.id)));
    return details ? { ...p, details } : p;
  });
}

/**
 * Mercado Pago's ISO-8601 form with milliseconds and an explicit offset
 * ("2023-08-22T16:34:56.559-04:00"); in UTC that is "+00:00", never "Z".
 */
export function mercadoPagoDate(d: Date): string {
  return d.toISOString().replace("Z", "+00:00");
}

export function instoreOrderBody(
  sale: PublishRequest,
  notificationUrl: string,
  sponsorId: string | undefined,
): InstoreOrderBody {
  return {
    external_reference: sale.externalReference,
    title: sale.title,
    description: sale.description,
    notification_url: notificationUrl,
    expiration_date: mercadoPagoDate(sale.expiresAt),
    total_amount: fromCents(sale.totalCents),
    items: sale.items.map((item) => ({
      ...(item.skuNumber ? { sku_number: item.skuNumber } : {}),
      ...(item.category ? { category: item.category } : {}),
      title: item.title,
      ...(item.description ? { description: item.description } : {}),
      unit_price: fromCents(item.unitPriceCents),
      quantity: item.quantity,
      unit_measure: item.unitMeasure,
      total_amount: fromCents(item.unitPriceCents * item.quantity),
    })),
    ...(sale.taxes
      ? { taxes: sale.taxes.map((t) => ({ type: t.type, value: fromCents(t.valueCents) })) }
      : {}),
    ...(sponsorId ? { sponsor: { id: Number(sponsorId) } } : {}),
  };
}

/** Instore orders v2: the order is PUT on the POS's slot; merchant orders are searched by reference. */
export function createInstoreUpstream(
  mp: MercadoPagoClient,
  config: { notificationUrl: string; sponsorId: string | undefined },
): InstoreUpstream {
  async function holds(sale: UpstreamSale, o?: CallOptions): Promise<boolean> {
    const current = await mp.getPosOrder(sale.posId, o);
    return current?.external_reference === sale.externalReference;
  }
  return {
    api: "instore_v2",
    holds,
    clearPos: (posId, o) => mp.deletePosOrder(posId, o),
    async publish(req, o) {
      await mp.putOrder(
        req.storeId,
        req.posId,
        instoreOrderBody(req, config.notificationUrl, config.sponsorId),
        o,
      );
      return { orderId: null, paymentId: null, qrData: null };
    },
    async withdraw(sale, o) {
      if (await holds(sale, o)) await mp.deletePosOrder(sale.posId, o);
    },
    async read(sale, o) {
      const merchantOrders = await mp.searchMerchantOrders(sale.externalReference, o);
      return merchantOrders.map(observeMerchantOrder);
    },
    completeDetails: (_sale, payments, opts) => completeMerchantOrderDetails(mp, payments, opts),
  };
}
