import { z } from "zod";
import { amount, instant } from "../sales/sale.responses.ts";
import { SALE_STATUSES } from "../sales/sale-status.ts";
import { LOCALES } from "../sites.ts";

/** What the receipt and the close-out answer as JSON, for the OpenAPI document. */

const nullableText = z.string().nullable();

export const ReceiptSchema = z
  .object({
    external_reference: z.string(),
    status: z.enum(["paid", "refunded"]),
    locale: z.enum(LOCALES),
    currency: z.string().meta({ description: "ISO 4217" }),
    time_zone: z.string().meta({ description: "the store's zone, in which the receipt is dated" }),
    store: z.object({ id: z.string(), name: z.string() }),
    pos: z.object({ id: z.string(), name: z.string() }),
    date: instant.meta({ description: "when it was paid" }),
    items: z.array(
      z.object({
        title: z.string(),
        quantity: z.number().int(),
        unit_price: amount,
        total_amount: amount,
      }),
    ),
    taxes: z.array(z.object({ type: z.string(), value: amount })),
    total_amount: amount,
    paid_amount: amount,
    refunded_amount: amount,
    payments: z.array(
      z.object({
        id: z.string(),
        status: z.string(),
        amount,
        method: nullableText.meta({ description: "payment_method_id (visa, master, pix …)" }),
        type: nullableText.meta({ description: "payment_type_id (credit_card, account_money …)" }),
        installments: z.number().int().nullable(),
        card_last_four: nullableText,
        authorization_code: nullableText,
      }),
    ),
    refunds: z.array(z.object({ amount, at: instant })),
  })
  .meta({
    id: "Receipt",
    description:
      "A paid sale's receipt; null where Mercado Pago did not give a payment's detail (the " +
      "Orders API gives fewer, older sales none).",
  });

const MoneyOfPos = z.object({
  count: z.number().int().meta({ description: "its paid (or since refunded) sales" }),
  amount,
  fee_amount: amount,
  net_amount: amount,
  refunded_amount: amount,
});

export const CloseSchema = z
  .object({
    store_id: z.string(),
    date: z.string().meta({ description: "YYYY-MM-DD, the store's day" }),
    time_zone: z.string(),
    pos_id: z.string().nullable(),
    currency: z.string(),
    from: instant,
    to: instant,
    count: z.number().int().meta({ description: "every sale of the day, whatever its status" }),
    paid_count: z.number().int().meta({ description: "the paid (or since refunded) ones" }),
    gross_amount: amount.meta({ description: "what their payments took" }),
    fee_amount: amount.meta({ description: "Mercado Pago's fees (fee_details), where given" }),
    net_amount: amount.meta({ description: "net_received_amount, before refunds" }),
    refunded_amount: amount,
    marketplace_fee_percent: z
      .number()
      .nullable()
      .meta({
        description:
          "platform mode: MP_MARKETPLACE_FEE_PERCENT when the store is a merchant's; null when the " +
          "day takes no marketplace fee (not platform mode, no percent set, the default merchant's store)",
      }),
    marketplace_fee_amount: amount.meta({
      description:
        "the platform's marketplace fee: the percent of each paid Orders API sale as sent with its " +
        "order (instore v2 sends none), summed; apart from Mercado Pago's fee_amount, not taken from net",
    }),
    by_status: z.record(z.enum(SALE_STATUSES), z.object({ count: z.number().int(), amount })),
    by_method: z
      .record(z.string(), z.object({ count: z.number().int(), amount }))
      .meta({ description: "payments by payment_method_id (`unknown`: not given); sums to gross" }),
    by_pos: z.record(z.string(), MoneyOfPos),
    disputes: z.array(
      z.object({
        external_reference: z.string(),
        pos_id: z.string(),
        payment_id: nullableText,
        status: nullableText,
        amount,
        opened_at: nullableText,
        sale_created_at: instant,
      }),
    ),
    reconciliation: z.object({
      status: z.enum(["pending", "matched", "discrepancies"]),
      checked_at: instant.nullable(),
      discrepancies: z.array(
        z.object({
          kind: z.string(),
          external_reference: z.string().optional(),
          payment_id: z.string().optional(),
          amount: amount.optional(),
          detail: z.string(),
        }),
      ),
    }),
  })
  .meta({ id: "CloseOfDay", description: "One store's day closed." });
