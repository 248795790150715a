import { z } from "zod";
import { ERROR_STATUS, type ErrorCode } from "../errors.ts";
import { ORDER_STATES } from "../sales/sale.ts";
import { SALE_STATUSES } from "../sales/sale-status.ts";

/**
 * What the API answers, as zod schemas written after the presenters (sale.presenter.ts,
 * stores.presenter.ts, errors.ts). They exist for the OpenAPI document only; the test that runs
 * the README against a live service checks real answers against them, so they cannot drift.
 */

const instant = z.string().meta({ format: "date-time" });
const amount = z.number().meta({ description: "a decimal amount in the sale's currency" });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      request_id: z.string(),
      details: z.array(z.unknown()),
    }),
  })
  .meta({ description: "The one body of every error answer (api-contract.md, Errors)." });

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
    total_amount: amount,
    paid_amount: amount,
    refunded_amount: amount,
    items: z.array(SaleItemOut),
    taxes: z.array(z.object({ type: z.string(), value: amount })).optional(),
    payments: z.array(
      z.object({ id: z.union([z.number().int(), z.string()]), status: z.string(), amount }),
    ),
    mercadopago_api: z
      .enum(["instore_v2", "orders"])
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
  source: z.enum(["create", "webhook", "reconcile", "staff", "expiry"]),
  merchant_order_id: z.number().int().nullable(),
  detail: z.unknown(),
  at: instant,
});

export const SaleRefundSchema = z
  .object({
    status: z.enum(["requested", "done", "failed"]).meta({
      description:
        "requested: the outcome is not known yet; done: Mercado Pago made it (`refunded_amount` " +
        "of `amount`); failed: nothing was given back",
    }),
    amount,
    refunded_amount: amount,
    failure: z.object({ code: z.string(), message: z.string() }).nullable(),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ description: "A refund asked of the sale through this service." });

export const SaleWithEventsSchema = SaleSchema.extend({
  events: z.array(SaleEventSchema),
  refunds: z.array(SaleRefundSchema).meta({
    description:
      "the refunds asked through this service, oldest first (refunds made at Mercado Pago " +
      "directly show only in `refunded_amount`)",
  }),
}).meta({
  description: "A sale with its history (`?include=events`): status changes and refunds.",
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

export const StoreSchema = z.object({
  external_id: z.string(),
  name: z.string(),
  location: z.object({
    street_number: z.string(),
    street_name: z.string(),
    city_name: z.string(),
    state_name: z.string(),
    latitude: z.number(),
    longitude: z.number(),
    reference: z.string().optional(),
  }),
  mercadopago_store_id: z.string(),
  created_at: instant,
  updated_at: instant,
});

export const PosSchema = z.object({
  external_id: z.string(),
  store_id: z.string(),
  name: z.string(),
  category: z.number().int().nullable(),
  mercadopago_pos_id: z.string(),
  qr: z.object({
    image_url: z.string().nullable(),
    template_document_url: z.string().nullable(),
    template_image_url: z.string().nullable(),
  }),
  links: z.object({ qr_png: z.string(), qr_svg: z.string(), qr_pdf: z.string() }),
  created_at: instant,
  updated_at: instant,
});

export const StoreListSchema = z.object({ data: z.array(StoreSchema) });
export const PosListSchema = z.object({ data: z.array(PosSchema) });

export const HealthSchema = z.object({ status: z.literal("ok") });
export const ReadySchema = z.object({ status: z.enum(["ready", "unavailable"]) });
export const ReceivedSchema = z.object({ received: z.literal(true) });

/** Mercado Pago's notification bodies: a hint only, so nothing here is required. */
export const NotificationBodySchema = z
  .object({
    resource: z.string().optional(),
    topic: z.string().optional(),
    type: z.string().optional(),
    action: z.string().optional(),
    data: z.object({ id: z.union([z.string(), z.number()]) }).optional(),
  })
  .meta({
    description:
      "IPN `{resource, topic}` or Webhooks `{type, data: {id}}`. Read as text whatever its " +
      "content type; anything unreadable is acknowledged without work.",
  });
