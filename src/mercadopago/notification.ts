/**
 * Reads a Mercado Pago notification (IPN or Webhooks) down to a topic and a numeric id. The body
 * is a hint: nothing in it is trusted or followed, and a URL in `resource` only yields its last
 * path segment, which is then read from our own configured base URL. A `resource` that points
 * anywhere but Mercado Pago's API hosts marks the notification as foreign: it is ignored.
 */
export type NotificationTopic = "merchant_order" | "payment" | "order" | "chargebacks";

export interface NotificationRef {
  topic: NotificationTopic;
  id: string;
}

const TOPICS = new Map<string, NotificationTopic>([
  ["merchant_order", "merchant_order"],
  ["topic_merchant_order_wh", "merchant_order"],
  ["payment", "payment"],
  // Orders API (Webhooks only): `?data.id=ORD…&type=order`, body {action: "order.processed", …}
  ["order", "order"],
  // a chargeback opened or changed on a payment: read by id, it names the payments it is on
  ["chargebacks", "chargebacks"],
  ["topic_chargebacks_wh", "chargebacks"],
]);

/** Mercado Pago ids are positive integers; bounded so they fit a Postgres BIGINT. */
const ID = /^[1-9]\d{0,17}$/;

/**
 * Orders API ids: "ORD" and 26 characters (test credentials: "ORDTST" and 26). Accepted in any
 * case (the signature docs lower-case them) and kept upper-case, as Mercado Pago writes them.
 */
const ORDER_ID = /^ORD(TST)?[0-9A-Z]{26}$/;

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

/** Where Mercado Pago's `resource` URLs point (https only, exact host, no port or userinfo). */
const MERCADO_PAGO_HOSTS = new Set(["api.mercadolibre.com", "api.mercadopago.com"]);

const FOREIGN = Symbol("foreign");

/** The id in `resource`: a bare id, or the last path segment of a Mercado Pago API URL. */
function idFromResource(resource: string | undefined): string | undefined | typeof FOREIGN {
  if (!resource) return undefined;
  if (ID.test(resource)) return resource;
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return FOREIGN;
  }
  if (
    url.protocol !== "https:" ||
    !MERCADO_PAGO_HOSTS.has(url.hostname) ||
    url.port !== "" ||
    url.username !== "" ||
    url.password !== ""
  ) {
    return FOREIGN;
  }
  return url.pathname.split("/").filter(Boolean).pop();
}

export function parseNotification(query: Query, body: unknown): NotificationRef | null {
  const topicName =
    text(query.topic) ??
    text(query.type) ??
    text(field(body, "topic")) ??
    text(field(body, "type"));
  const topic = topicName ? TOPICS.get(topicName) : undefined;
  if (!topic) return null;

  const fromResource = idFromResource(text(field(body, "resource")));
  if (fromResource === FOREIGN) return null;

  const data = field(body, "data");
  const candidates = [
    text(query.id),
    text(query["data.id"]),
    text(field(data, "id")),
    fromResource,
    // topic_merchant_order_wh bodies carry the merchant order id at the top level
    topicName === "topic_merchant_order_wh" ? text(field(body, "id")) : undefined,
  ];
  const id = candidates.find((c) => c !== undefined && c !== "");
  if (!id) return null;
  if (topic === "order") {
    const upper = id.toUpperCase();
    return ORDER_ID.test(upper) ? { topic, id: upper } : null;
  }
  if (!ID.test(id)) return null;
  return { topic, id };
}

/** What a notification says of whose it is (platform mode); a hint, as the rest of it. */
export interface SellerHint {
  /** `merchant` in the notification_url (ours, lower-case uuid) */
  merchantId?: string;
  /** the body's `user_id`: the seller's account (Orders API webhooks name it, string or number) */
  userId?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whose account a notification is about: the merchant our notification_url names, else the
 * seller the body names. `invalid`: a `merchant` that no URL of ours carries (not a uuid).
 */
export function sellerHintOf(query: Query, body: unknown): SellerHint | "invalid" {
  const merchant = query.merchant;
  if (merchant !== undefined) {
    if (typeof merchant !== "string" || !UUID.test(merchant)) return "invalid";
    return { merchantId: merchant.toLowerCase() };
  }
  const userId = text(field(body, "user_id"));
  return userId !== undefined && ID.test(userId) ? { userId } : {};
}
