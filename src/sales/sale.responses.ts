import { z } from "zod";
import { MERCADOPAGO_APIS } from "../mercadopago/upstream.ts";
import { ORDER_STATES, SALE_EVENT_SOURCES } from "./sale.ts";
import { SALE_STATUSES } from "./sale-status.ts";

/**
 * What the sales routes answer, as zod schemas: the presenters (sale.presenter.ts,
 * sales-list.routes.ts) are typed by them, the OpenAPI document is generated from them, and
 * test/openapi.examples.test.ts checks real presenter output against the document.
 */

export const instant = z.string().meta({ format: "date-time" });
export const amount = z.number().meta({ description: "a decimal amount in the sale's currency" });

const SaleItemOut = z.object({
  title: z.string(),
  unit_price: amount,
  quantity: z.number().int(),
  unit_measure: z.string(),
  total_amount: amount,
  sku_number: z.string().optional(),
  category: z.string().optional(),
  description: z.string().optional(),
});

const text = z.string().nullable();

/** A payment with its details where Mercado Pago gives them, else null (contract v1.2). */
export const SalePaymentOut = z.object({
  id: z.union([z.number().int(), z.string()]),
  status: z.string(),
  amount,
  method: text.meta({ description: "payment_method_id (visa, master, account_money, pix …)" }),
  type: text.meta({ description: "payment_type_id (credit_card, debit_card, account_money …)" }),
  installments: z.number().int().nullable(),
  card_last_four: text.meta({ description: "card.last_four_digits" }),
  authorization_code: text,
  fee_amount: amount.nullable().meta({ description: "the sum of fee_details[].amount" }),
  net_amount: amount.nullable().meta({ description: "transaction_details.net_received_amount" }),
  money_release_date: text.meta({ description: "when Mercado Pago releases the money" }),
  status_detail: text,
  refunded_amount: amount,
});

export const SaleSchema = z
  .object({
    external_reference: z.string(),
    status: z.enum(SALE_STATUSES),
    order_state: z.enum(ORDER_STATES).meta({ description: "where the order stands on the POS" }),
    merchant_order_status: z.string().nullable(),
    merchant_order_id: z.number().int().nullable(),
    store_id: z.string(),
    pos_id: z.string(),
    title: z.string(),
    description: z.string(),
    currency: z
      .string()
      .nullable()
      .meta({
        description:
          "ISO 4217 currency of the amounts (ARS, BRL, CLP, COP, MXN, PEN, UYU): the site's when " +
          "the sale was made. CLP and COP are whole units.",
        example: "ARS",
      }),
    total_amount: amount,
    paid_amount: amount,
    refunded_amount: amount,
    items: z.array(SaleItemOut),
    taxes: z.array(z.object({ type: z.string(), value: amount })).optional(),
    payments: z.array(SalePaymentOut),
    payment_in_process: z.boolean().meta({
      description:
        "a payment is in_process/pending and none is approved yet: the customer must not pay again",
    }),
    dispute: z
      .object({
        status: z.string().meta({ description: "Mercado Pago's word for the chargeback" }),
        amount,
        opened_at: z
          .string()
          .nullable()
          .meta({ description: "when it was opened, as Mercado Pago sent it" }),
      })
      .nullable()
      .meta({ description: "a chargeback on the paid sale; it never changes `status`" }),
    mercadopago_api: z
      .enum(MERCADOPAGO_APIS)
      .meta({ description: "the Mercado Pago API the sale was published on" }),
    order_id: z.string().nullable().meta({ description: "the Orders API order id (`ORD…`)" }),
    qr_data: z
      .string()
      .nullable()
      .meta({ description: "the sale's own QR text (Orders API, hybrid or dynamic mode)" }),
    created_at: instant,
    updated_at: instant,
    expires_at: instant,
    paid_at: instant.nullable(),
    cancelled_at: instant.nullable(),
  })
  .meta({ description: "A sale, as every sales route returns it." });

export const SaleEventSchema = z.object({
  from: z.enum(SALE_STATUSES).nullable(),
  to: z.enum(SALE_STATUSES),
  source: z.enum(SALE_EVENT_SOURCES),
  merchant_order_id: z.number().int().nullable(),
  detail: z.unknown(),
  at: instant,
});

export const SaleListSchema = z.object({
  data: z.array(SaleSchema),
  next_cursor: z.string().nullable(),
});

export const SalesSummarySchema = z.object({
  count: z.number().int(),
  by_status: z.record(z.enum(SALE_STATUSES), z.object({ count: z.number().int(), amount: amount })),
  paid_amount: amount,
  refunded_amount: amount,
});

export type SaleBody = z.output<typeof SaleSchema>;
export type SaleEventBody = z.output<typeof SaleEventSchema>;
export type SalesSummaryBody = z.output<typeof SalesSummarySchema>;
