import { MercadoPagoError, type MercadoPagoClient } from "../mercadopago.client.ts";
import type { OrdersUpstream } from "../upstream.ts";
import {
  cancelIdempotencyKey,
  createIdempotencyKey,
  observeOrder,
  orderAmount,
  orderBody,
  orderProblems,
} from "./order.ts";
import type { QrMode } from "./orders.schemas.ts";

/**
 * Mercado Pago's Orders API (`POST /v1/orders`, `type: "qr"`): the order is created with an
 * idempotency key derived from the sale, named by the id stored at create (there is no search by
 * reference for QR orders), cancelled while `created`, and refunded by order.
 */
export function createOrdersUpstream(
  mp: MercadoPagoClient,
  config: { mode: QrMode; ttlSeconds: number; sponsorId: string | undefined },
): OrdersUpstream {
  return {
    api: "orders",
    problems: orderProblems,
    async publish(req, o) {
      const order = await mp.createOrder(orderBody(req, config), createIdempotencyKey(req), o);
      return {
        orderId: order.id,
        paymentId: order.transactions.payments[0]?.id ?? null,
        qrData: order.type_response?.qr_data ?? null,
      };
    },
    async withdraw(sale, o) {
      if (!sale.orderId) return;
      try {
        await mp.cancelOrder(sale.orderId, cancelIdempotencyKey(sale.orderId), o);
      } catch (err) {
        // Not `created` any more (paid, expired, cancelled: 409) or unknown (404): nothing to
        // withdraw; the caller reads the order next and decides on what it shows.
        if (err instanceof MercadoPagoError && (err.status === 409 || err.status === 404)) return;
        throw err;
      }
    },
    async refund(orderId, paymentId, amountCents, idempotencyKey, o) {
      const body =
        amountCents === null
          ? undefined
          : { transactions: [{ id: paymentId, amount: orderAmount(amountCents) }] };
      await mp.refundOrder(orderId, body, idempotencyKey, o);
    },
    async read(sale, o) {
      if (!sale.orderId) return [];
      const order = await mp.getOrder(sale.orderId, o);
      return order ? [observeOrder(order)] : [];
    },
  };
}
