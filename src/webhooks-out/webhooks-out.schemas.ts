import { z } from "zod";

/** The events an endpoint can listen to (api-contract.md, "Outbound events"). */
export const EVENT_TYPES = [
  "sale.created",
  "sale.paid",
  "sale.cancelled",
  "sale.expired",
  "sale.failed",
  "sale.refunded",
  "refund.failed",
  "sale.disputed",
] as const;

export const CreateEndpointSchema = z.strictObject({
  url: z.string().min(1).max(2000),
  events: z
    .array(z.enum(EVENT_TYPES))
    .min(1)
    .max(EVENT_TYPES.length)
    .refine((e) => new Set(e).size === e.length, "must not repeat an event"),
  description: z.string().max(200).optional(),
  // platform mode: the merchant whose sales alone the endpoint hears (a merchant's key: its own)
  merchant_id: z.uuid("must be a merchant's id (a UUID)").optional(),
});

export const EndpointIdSchema = z.uuid();

export const DeliveriesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const AttemptSchema = z.object({
  at: z.string(),
  status_code: z.number().int().nullable(),
  latency_ms: z.number().int(),
  error: z.string().nullable(),
});

export const EndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(EVENT_TYPES)),
  description: z.string().nullable(),
  status: z.enum(["enabled", "disabled"]),
  disabled_at: z.string().nullable(),
  disabled_reason: z.string().nullable(),
  created_at: z.string(),
  merchant_id: z
    .string()
    .nullable()
    .describe(
      "platform mode: the merchant whose sales alone the endpoint hears; null: every sale (the platform's)",
    ),
});

export const CreatedEndpointSchema = EndpointSchema.extend({
  secret: z.string().describe("`whsec_…`, the signing secret: shown only in this answer"),
});

export const DeliverySchema = z.object({
  id: z.string(),
  endpoint_id: z.string(),
  event_id: z.string(),
  event_type: z.enum(EVENT_TYPES),
  external_reference: z.string(),
  status: z.enum(["pending", "succeeded", "failed"]),
  attempt_count: z.number().int(),
  next_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
  status_code: z.number().int().nullable(),
  latency_ms: z.number().int().nullable(),
  error: z.string().nullable(),
  attempts: z.array(AttemptSchema),
});

export const DeliveryListSchema = z.object({ data: z.array(DeliverySchema) });
export const EndpointListSchema = z.object({ data: z.array(EndpointSchema) });

export type EndpointBody = z.infer<typeof EndpointSchema>;
export type DeliveryBody = z.infer<typeof DeliverySchema>;
