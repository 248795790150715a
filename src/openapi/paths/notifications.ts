import { z } from "zod";
import { errors, json, type Operation } from "../define.ts";
import { NotificationBodySchema, ReceivedSchema } from "../schemas.ts";

/**
 * The query a notification may carry. The route reads it as hints (webhooks.routes.ts parses
 * nothing strictly: whatever comes is acknowledged), so every name is an optional string.
 */
const NotificationQuerySchema = z.object({
  topic: z.string().optional(),
  id: z.string().optional(),
  type: z.string().optional(),
  "data.id": z.string().optional(),
  secret: z.string().optional(),
  source_news: z.string().optional(),
});

export const NOTIFICATION_OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/webhooks/mercadopago",
    summary: "Mercado Pago's notifications (IPN and Webhooks)",
    description:
      "Acknowledged at once and stored; the state is then read from Mercado Pago by id. " +
      "Unknown, foreign, or secretless notifications are acknowledged and change nothing.",
    tag: "notifications",
    security: "public",
    query: {
      schema: NotificationQuerySchema,
      descriptions: {
        topic: "IPN topic",
        id: "IPN id",
        type: "Webhooks type",
        "data.id": "Webhooks id",
        secret: "the secret this service put into `notification_url`",
        source_news: "`ipn`: the format `notification_url` asks for",
      },
    },
    body: {
      schema: NotificationBodySchema,
      required: false,
      example: {
        type: "order",
        action: "order.processed",
        data: { id: "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3" },
      },
    },
    responses: {
      200: json(ReceivedSchema, "acknowledged", { received: true }),
      ...errors([413, 429, 503]),
    },
  },
];
