import { parse, type CallOptions, type Transport } from "../mercadopago.transport.ts";
import { OrderSchema, type Order, type OrderBody, type OrderRefundBody } from "./orders.schemas.ts";

/** Mercado Pago's Orders API (`/v1/orders`, type qr). */
export interface OrdersCalls {
  /**
   * Orders API `POST /v1/orders`. Retried like a read: the same X-Idempotency-Key makes Mercado
   * Pago answer a repeated create with the order it already made.
   */
  createOrder(body: OrderBody, idempotencyKey: string, o?: CallOptions): Promise<Order>;
  /** Orders API `GET /v1/orders/{id}`; null when Mercado Pago does not know it. */
  getOrder(id: string, o?: CallOptions): Promise<Order | null>;
  /** Orders API `POST /v1/orders/{id}/cancel` (only while the order is `created`). */
  cancelOrder(id: string, idempotencyKey: string, o?: CallOptions): Promise<Order | null>;
  /**
   * Orders API `POST /v1/orders/{id}/refund`: total without a body, partial with one. Not
   * retried here, as refundPayment.
   */
  refundOrder(
    id: string,
    body: OrderRefundBody | undefined,
    idempotencyKey: string,
    o?: CallOptions,
  ): Promise<Order | null>;
}

export function createOrdersCalls({ send, find, withRetry }: Transport): OrdersCalls {
  return {
    createOrder: (body, idempotencyKey, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "POST",
          url: "/v1/orders",
          data: body,
          ok: [200, 201],
          deadline: o?.deadline,
          idempotencyKey,
        });
        return parse(OrderSchema, res, "order");
      }),
    getOrder: (id, o) =>
      find(`/v1/orders/${encodeURIComponent(id)}`, OrderSchema, "order", o?.deadline),
    cancelOrder: (id, idempotencyKey, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "POST",
          url: `/v1/orders/${encodeURIComponent(id)}/cancel`,
          ok: [200, 201],
          deadline: o?.deadline,
          idempotencyKey,
        });
        const parsed = OrderSchema.safeParse(res.data);
        return parsed.success ? parsed.data : null;
      }),
    async refundOrder(id, body, idempotencyKey, o) {
      const res = await send({
        method: "POST",
        url: `/v1/orders/${encodeURIComponent(id)}/refund`,
        ...(body ? { data: body } : {}),
        ok: [200, 201],
        deadline: o?.deadline,
        idempotencyKey,
      });
      const parsed = OrderSchema.safeParse(res.data);
      return parsed.success ? parsed.data : null;
    },
  };
}
