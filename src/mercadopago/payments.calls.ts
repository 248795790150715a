import {
  ChargebackSchema,
  PaymentSchema,
  PaymentSearchSchema,
  type PaymentSearchPage,
  RefundListSchema,
  RefundSchema,
  type Chargeback,
  type Payment,
  type Refund,
} from "./mercadopago.schemas.ts";
import { parse, type CallOptions, type Transport } from "./mercadopago.transport.ts";

/** Payments (`/v1/payments`), their refunds, and chargebacks on them (`/v1/chargebacks`). */
export interface PaymentCalls {
  getPayment(id: string, o?: CallOptions): Promise<Payment | null>;
  /** A chargeback by id (`GET /v1/chargebacks/{id}`), from our own base URL; null: not found. */
  getChargeback(id: string, o?: CallOptions): Promise<Chargeback | null>;
  /**
   * Refunds `amount` of a payment. Never retried here: a failure other than a definite no leaves
   * the refund's fate unknown, and the caller reads the payment's refunds before anything else.
   * `idempotencyKey` is sent as X-Idempotency-Key (required by Mercado Pago on this call).
   */
  refundPayment(
    paymentId: number,
    amount: number,
    idempotencyKey: string,
    o?: CallOptions,
  ): Promise<Refund>;
  /** The refunds of a payment (`GET /v1/payments/{id}/refunds`). */
  listRefunds(paymentId: number, o?: CallOptions): Promise<Refund[]>;
  /**
   * One page of the payments created in [begin, end] (`GET /v1/payments/search`,
   * range=date_created, oldest first), optionally of one Mercado Pago store.
   */
  searchPayments(q: PaymentSearchQuery, o?: CallOptions): Promise<PaymentSearchPage>;
}

export interface PaymentSearchQuery {
  begin: Date;
  end: Date;
  /** Mercado Pago's own id of the store */
  storeId?: string;
  offset: number;
  limit: number;
}

export function createPaymentCalls({ send, find, withRetry }: Transport): PaymentCalls {
  return {
    getPayment: (id, o) =>
      find(`/v1/payments/${encodeURIComponent(id)}`, PaymentSchema, "payment", o?.deadline),
    getChargeback: (id, o) =>
      find(
        `/v1/chargebacks/${encodeURIComponent(id)}`,
        ChargebackSchema,
        "chargeback",
        o?.deadline,
      ),
    async refundPayment(paymentId, amount, idempotencyKey, o) {
      const res = await send({
        method: "POST",
        url: `/v1/payments/${encodeURIComponent(String(paymentId))}/refunds`,
        data: { amount },
        ok: [200, 201],
        deadline: o?.deadline,
        idempotencyKey,
      });
      return parse(RefundSchema, res, "refund");
    },
    listRefunds: (paymentId, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "GET",
          url: `/v1/payments/${encodeURIComponent(String(paymentId))}/refunds`,
          deadline: o?.deadline,
        });
        return parse(RefundListSchema, res, "refund list");
      }),
    searchPayments: (q, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "GET",
          url: "/v1/payments/search",
          params: {
            sort: "date_created",
            criteria: "asc",
            range: "date_created",
            // ISO 8601 with milliseconds, as the reference asks (error 1001 otherwise)
            begin_date: q.begin.toISOString(),
            end_date: q.end.toISOString(),
            ...(q.storeId ? { store_id: q.storeId } : {}),
            offset: String(q.offset),
            limit: String(q.limit),
          },
          deadline: o?.deadline,
        });
        return parse(PaymentSearchSchema, res, "payment search");
      }),
  };
}
