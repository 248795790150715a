// What a notification says and where it goes: the URL, body and headers of each message, for
// the IPN and Webhooks formats of merchant orders and payments (API reference §5) and for signed
// `order` Webhooks (Orders API). Pure building; delivering them is the notifier's.

import { createHmac, randomUUID } from "node:crypto";

import type { NotificationFormat } from "./notification-controls.ts";
import type { SimulatorEvent } from "./state/index.ts";
import type { ApiOrderEvent } from "./state/types.ts";

export type NotificationTopic = "merchant_order" | "payment" | "order" | "chargebacks";

export interface Message {
  messageId: number;
  copy: number;
  format: NotificationFormat;
  topic: NotificationTopic;
  resourceId: number | string;
  url: string;
  body: (attempt: number) => unknown;
  /** Headers of an attempt; computed once per attempt (a new request id and signature). */
  headers?: (attempt: number) => Record<string, string>;
}

/** A message before its copies are made (duplication gives each copy its number). */
export type MessageDraft = Omit<Message, "copy">;

/**
 * Default secret for `order` Webhooks when none is given. The service checks x-signature only
 * when MP_WEBHOOK_SIGNING_SECRET is set; set both to the same value to have it checked.
 */
export const DEFAULT_ORDERS_WEBHOOK_SECRET = "simulator-webhook-signing-secret";

/**
 * `x-signature` of an `order` Webhook: `ts=<ms>,v1=<hex HMAC-SHA256>` of the manifest
 * `id:<data.id>;request-id:<x-request-id>;ts:<ts>;` (Mercado Pago's notifications page).
 */
export function signOrderNotification(
  secret: string,
  dataId: string,
  requestId: string,
  ts: string,
): string {
  const manifest = `id:${dataId};request-id:${requestId};ts:${ts};`;
  const v1 = createHmac("sha256", secret).update(manifest, "utf8").digest("hex");
  return `ts=${ts},v1=${v1}`;
}

/**
 * Appends query parameters to a URL without re-encoding what is already there (a secret in the
 * notification_url must reach the receiver byte for byte). A fragment is dropped.
 */
export function appendQuery(url: string, params: [string, string][]): string {
  const hash = url.indexOf("#");
  const base = hash >= 0 ? url.slice(0, hash) : url;
  const query = params
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  if (!base.includes("?")) return `${base}?${query}`;
  return base.endsWith("?") || base.endsWith("&") ? `${base}${query}` : `${base}&${query}`;
}

/** What signing an `order` Webhook and its headers need from the notifier. */
export interface OrderWebhookSigning {
  now: () => Date;
  secret: string;
  idCase: "original" | "lower" | undefined;
  firstTimeoutMs: number;
  retryTimeoutMs: number;
}

/**
 * An `order` Webhook (Orders API, notifications page §4.2): POST `?data.id=<id>&type=order`
 * to the application's URL, signed; the legacy `formats` and `source_news` do not apply.
 */
export function orderWebhookMessage(
  event: ApiOrderEvent,
  target: string,
  messageId: number,
  signing: OrderWebhookSigning,
): MessageDraft {
  const { now } = signing;
  const order = event.order;
  const dataId = order.id;
  const at = now().toISOString();
  const url = appendQuery(target, [
    ["data.id", dataId],
    ["type", "order"],
  ]);
  const data: Record<string, unknown> = {
    id: order.id,
    external_reference: order.external_reference,
    type: order.type,
    status: order.status,
    status_detail: order.status_detail,
    total_amount: order.total_amount,
    version: event.version,
  };
  if (order.total_paid_amount !== undefined) data["total_paid_amount"] = order.total_paid_amount;
  // Only the processed example carries the transactions.
  if (event.action === "order.processed") {
    data["transactions"] = { payments: order.transactions.payments };
  }
  const body = {
    action: event.action,
    api_version: "v1",
    application_id: String(order.integration_data["application_id"] ?? ""),
    data,
    date_created: at,
    live_mode: false,
    type: "order",
    // the seller whose order it is (each seller's account answers its own user_id)
    user_id: order.user_id,
  };
  const secret = signing.secret;
  const signedId = signing.idCase === "lower" ? dataId.toLowerCase() : dataId;
  const headers = (attempt: number): Record<string, string> => {
    const requestId = randomUUID();
    const ts = String(now().getTime());
    return {
      "x-signature": signOrderNotification(secret, signedId, requestId, ts),
      "x-request-id": requestId,
      "x-retry": String(attempt - 1),
      "x-socket-timeout": String(attempt === 1 ? signing.firstTimeoutMs : signing.retryTimeoutMs),
      "user-agent": "restclient-node/4.15.3",
    };
  };
  return {
    messageId,
    format: "webhooks" as const,
    topic: "order" as const,
    resourceId: dataId,
    url,
    body: () => body,
    headers,
  };
}

/** A merchant order's or a payment's event (the legacy QR flow's notifications). */
export type LegacyEvent = Exclude<SimulatorEvent, ApiOrderEvent>;

/**
 * One format of a merchant order's or payment's notification to `target`; `at` is the event's
 * date as Mercado Pago writes it, `collectorId` the seller whose resource it is (a Webhook's
 * `user_id`), `nextWebhookId` numbers payment Webhooks.
 */
export function legacyMessage(
  event: LegacyEvent,
  format: NotificationFormat,
  target: string,
  messageId: number,
  at: string,
  collectorId: number,
  nextWebhookId: () => number,
): MessageDraft {
  if (event.type === "chargeback") {
    return chargebackMessage(event, format, target, messageId, at, collectorId, nextWebhookId);
  }
  const topic = event.type === "merchant_order" ? "merchant_order" : "payment";
  const resourceId = event.type === "merchant_order" ? event.merchantOrder.id : event.payment.id;
  let url: string;
  let body: (attempt: number) => unknown;
  if (format === "ipn") {
    url = appendQuery(target, [
      ["topic", topic],
      ["id", String(resourceId)],
    ]);
    const resource =
      event.type === "merchant_order"
        ? `https://api.mercadolibre.com/merchant_orders/${resourceId}`
        : String(resourceId);
    body = () => ({ resource, topic });
  } else if (event.type === "merchant_order") {
    const type = "topic_merchant_order_wh";
    url = appendQuery(target, [
      ["data.id", String(resourceId)],
      ["type", type],
    ]);
    const status = event.merchantOrder.status;
    // Shape observed in public integrations (not in the official docs): no `data.id`, the
    // merchant order id is the top-level `id`, status repeated.
    body = (attempt) => ({
      action: event.action === "created" ? "create" : "update",
      data: { currency_id: "", marketplace: "NONE", status },
      date_created: at,
      id: String(resourceId),
      live_mode: false,
      status,
      type,
      user_id: collectorId,
      version: attempt,
    });
  } else {
    url = appendQuery(target, [
      ["data.id", String(resourceId)],
      ["type", "payment"],
    ]);
    const id = nextWebhookId();
    const action = event.action;
    body = () => ({
      id,
      live_mode: false,
      type: "payment",
      date_created: at,
      user_id: collectorId,
      api_version: "v1",
      action,
      data: { id: String(resourceId) },
    });
  }
  return { messageId, format, topic, resourceId, url, body };
}

/**
 * A chargeback's notification: IPN `?topic=chargebacks&id=<id>` (the topic list of the IPN
 * reference), or a Webhook `?data.id=<id>&type=topic_chargebacks_wh` with `data.id`. The
 * Webhook's type name is Mercado Pago's for chargebacks in its notifications panel; its body is
 * shaped as a payment's.
 */
function chargebackMessage(
  event: Extract<LegacyEvent, { type: "chargeback" }>,
  format: NotificationFormat,
  target: string,
  messageId: number,
  at: string,
  collectorId: number,
  nextWebhookId: () => number,
): MessageDraft {
  const topic = "chargebacks" as const;
  const resourceId = event.chargeback.id;
  if (format === "ipn") {
    const url = appendQuery(target, [
      ["topic", topic],
      ["id", resourceId],
    ]);
    return {
      messageId,
      format,
      topic,
      resourceId,
      url,
      body: () => ({ resource: resourceId, topic }),
    };
  }
  const type = "topic_chargebacks_wh";
  const url = appendQuery(target, [
    ["data.id", resourceId],
    ["type", type],
  ]);
  const id = nextWebhookId();
  const body = () => ({
    id,
    live_mode: false,
    type,
    date_created: at,
    user_id: collectorId,
    api_version: "v1",
    action: event.action,
    data: { id: resourceId },
  });
  return { messageId, format, topic, resourceId, url, body };
}
