import { z } from "zod";
import { ERROR_STATUS, type ErrorCode } from "../errors.ts";
import { SaleRefundSchema } from "../refunds/refund.responses.ts";
import { SaleEventSchema, SaleSchema } from "../sales/sale.responses.ts";
import { SaleNotificationsSchema } from "../sales/sale-notifications.ts";
import { SALE_NOTIFICATIONS_EXAMPLE } from "./examples.ts";

/**
 * Answer schemas that belong to no one feature: the error body (errors.ts writes it), a sale
 * with its history (sales and refunds together), the probes, and Mercado Pago's notification
 * body. The features' own answers sit beside their presenters (`*.responses.ts`).
 */

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

export const SaleWithEventsSchema = SaleSchema.extend({
  events: z.array(SaleEventSchema),
  refunds: z.array(SaleRefundSchema).meta({
    description:
      "the refunds asked through this service, oldest first (refunds made at Mercado Pago " +
      "directly show only in `refunded_amount`)",
  }),
  notifications: SaleNotificationsSchema.optional().meta({
    description:
      "full and staff keys: Mercado Pago's notifications behind the sale (`inbound`) and each " +
      "attempt to deliver its events to the store's endpoints (`outbound`)",
    examples: [SALE_NOTIFICATIONS_EXAMPLE],
  }),
}).meta({
  description:
    "A sale with its history (`?include=events`): status changes, refunds and notifications.",
});

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
