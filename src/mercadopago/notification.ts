/**
 * Reads a Mercado Pago notification (IPN or Webhooks) down to a topic and a numeric id. The body
 * is a hint: nothing in it is trusted or followed, and a URL in `resource` only yields its last
 * path segment, which is then read from our own configured base URL.
 */
export type NotificationTopic = "merchant_order" | "payment";

export interface NotificationRef {
  topic: NotificationTopic;
  id: string;
}

const TOPICS = new Map<string, NotificationTopic>([
  ["merchant_order", "merchant_order"],
  ["topic_merchant_order_wh", "merchant_order"],
  ["payment", "payment"],
]);

/** Mercado Pago ids are positive integers; bounded so they fit a Postgres BIGINT. */
const ID = /^[1-9]\d{0,17}$/;

type Query = Record<string, unknown>;

function text(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim();
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  return undefined;
}

function field(obj: unknown, key: string): unknown {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return undefined;
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/** The last path segment of `resource`: a bare id, or a URL whose host we ignore. */
function idFromResource(resource: string | undefined): string | undefined {
  if (!resource) return undefined;
  const path = resource.split(/[?#]/, 1)[0] ?? "";
  const last = path.split("/").filter(Boolean).pop();
  return last;
}

export function parseNotification(query: Query, body: unknown): NotificationRef | null {
  const topicName =
    text(query.topic) ??
    text(query.type) ??
    text(field(body, "topic")) ??
    text(field(body, "type"));
  const topic = topicName ? TOPICS.get(topicName) : undefined;
  if (!topic) return null;

  const data = field(body, "data");
  const candidates = [
    text(query.id),
    text(query["data.id"]),
    text(field(data, "id")),
    idFromResource(text(field(body, "resource"))),
    // topic_merchant_order_wh bodies carry the merchant order id at the top level
    topicName === "topic_merchant_order_wh" ? text(field(body, "id")) : undefined,
  ];
  const id = candidates.find((c) => c !== undefined && c !== "");
  if (!id || !ID.test(id)) return null;
  return { topic, id };
}
