import { MercadoPagoError, type MercadoPagoClient } from "../mercadopago.client.ts";
import type { OrdersUpstream } from "../upstream.ts";
import {
  cancelIdempotencyKey,
  createIdempotencyKey,
  observeOrder,
  observeRefunds,
  orderAmount,
  orderBody,
  orderProblems,
} from "./order.ts";
import type { QrMode } from "./orders.schemas.ts";

/**
 * Mercado Pago's Orders API (`POST /v1/orders`, `type: "qr"`): the order is created with an
 * idempotency key derived from the sale, named by the id stored at create (there is no search by
 * reference for QR orders), cancelled while `created`, and refunded by order.
 *
 * UNCONFIRMED points of the reference (§9) and the reading taken here:
 * - search by `external_reference` for QR orders (§9.9): not used; only the stored id is read.
 * - cancel `POST /v1/orders/{id}/cancel` vs a `PUT` sample, refund `/refund` vs `/refunds`
 *   (§9.6): the API reference's paths.
 * - refunds partial or total only, sync or async (§9.5): partial refunds are sent as documented
 *   by the AR guide; whatever the answer, the order is read again, and an unclear outcome leaves
 *   the refund `requested` for the resolver to send again with the same key.
 * - a second order on a POS that has one `created` (§9.8): never sent; a POS holds one pending
 *   sale on our side (`pos_busy`).
 * - whether Mercado Pago enforces `external_reference` uniqueness (§9.12): the reference is unique
 *   in our database and the idempotency key is derived from the sale.
 * - `expiration_time` behaviour per mode (§9.7): the sale's own `expires_at` decides, after a
 *   cancel and a final read.
 */
export function createOrdersUpstream(
  mp: MercadoPagoClient,
  config: {
    mode: QrMode;
    ttlSeconds: number;
    sponsorId: string | undefined;
    decimals?: 0 | 2;
    marketplaceFeePercent?: number | undefined;
  },
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
        // withdraw; the caller reads the order next and decides on what it shows. UNCONFIRMED
        // (reference §9.11): the cancel error list and the 404 code; since the order is read
        // next either way, a misread code cannot turn a paid order into a cancelled sale.
        if (err instanceof MercadoPagoError && (err.status === 409 || err.status === 404)) return;
        throw err;
      }
    },
    async refund(orderId, paymentId, amountCents, idempotencyKey, o) {
      const body =
        amountCents === null
          ? undefined
          : {
              transactions: [{ id: paymentId, amount: orderAmount(amountCents, config.decimals) }],
            };
      const answer = await mp.refundOrder(orderId, body, idempotencyKey, o);
      return answer ? observeRefunds(answer) : null;
    },
    async read(sale, o) {
      if (!sale.orderId) return [];
      const order = await mp.getOrder(sale.orderId, o);
      return order ? [observeOrder(order)] : [];
    },
  };
}
