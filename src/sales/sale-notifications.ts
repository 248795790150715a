import { z } from "zod";
import type { Sale } from "./sale.ts";
import { instant } from "./sale.responses.ts";

/**
 * A sale's notifications both ways, as its history shows them (`?include=events`, full and staff
 * keys): what Mercado Pago told us about it and what we told the store's own systems. Read
 * through a port (`NotificationHistory`) the webhooks-out feature fills, so sales keep no
 * knowledge of the inbox's or the outbox's tables.
 */

export const InboundNotificationSchema = z.object({
  topic: z.enum(["merchant_order", "payment", "order"]),
  resource_id: z.string(),
  first_received_at: instant,
  received_at: instant.meta({ description: "the latest delivery" }),
  deliveries: z.number().int().meta({ description: "how many times Mercado Pago sent it" }),
  signature_valid: z
    .boolean()
    .nullable()
    .meta({
      description:
        "the latest delivery's `x-signature`: verified, not verified (an Orders API notification " +
        "for a pending sale of ours is still read), or null when none was checked",
    }),
  outcome: z
    .string()
    .nullable()
    .meta({
      description:
        "what reading the resource at Mercado Pago found: `not_found`, `not_ours`, or the " +
        "sale's status after it; null: not read yet",
    }),
  processed_at: instant.nullable().meta({ description: "null: waiting to be read (or again)" }),
  error: z.string().nullable().meta({ description: "why the last read failed, if it did" }),
});

export const OutboundAttemptSchema = z.object({
  delivery_id: z.string(),
  endpoint_id: z.string(),
  endpoint_url: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  delivery_status: z.enum(["pending", "succeeded", "failed"]),
  at: instant.nullable().meta({ description: "null: the delivery has not been attempted yet" }),
  status_code: z.number().int().nullable().meta({ description: "the receiver's HTTP status" }),
  latency_ms: z.number().int().nullable(),
  error: z.string().nullable(),
});

export const SaleNotificationsSchema = z.object({
  inbound: z.array(InboundNotificationSchema).meta({
    description:
      "Mercado Pago's notifications that led to this sale, one per resource however often it " +
      "was sent, oldest first (kept NOTIFICATION_RETENTION_DAYS after being worked)",
  }),
  outbound: z.array(OutboundAttemptSchema).meta({
    description:
      "each attempt to deliver this sale's events to the store's endpoints, oldest first " +
      "(kept WEBHOOK_RETENTION_DAYS)",
  }),
});

export type SaleNotifications = z.infer<typeof SaleNotificationsSchema>;

export interface NotificationHistory {
  /** `merchantId`: only the deliveries to that merchant's own endpoints (a merchant's key) */
  ofSale(sale: Sale, merchantId?: string): Promise<SaleNotifications>;
}
