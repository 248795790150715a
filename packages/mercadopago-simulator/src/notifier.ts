// Delivery of Mercado Pago style notifications (IPN and Webhooks formats, API reference §5) to
// the `notification_url` of an order, and of signed `order` Webhooks (Orders API) to the URL
// configured for the application, with controls to make delivery unreliable on purpose: delay,
// duplication, dropping, reordering and retries on failure.

import { createHmac, randomUUID } from "node:crypto";

import axios from "axios";

import type { SimulatorEvent } from "./state/index.ts";
import type { ApiOrderEvent } from "./state/types.ts";
import { createRandom, formatMpDate } from "./util.ts";

export type NotificationFormat = "ipn" | "webhooks";

export interface DelayRange {
  min: number;
  max: number;
}

export interface ReorderControl {
  /** Order in which a held batch is released. */
  mode: "reverse" | "random";
  /** Release automatically once this many messages are held; 0 = only on `release()`. */
  batch: number;
}

export interface NotificationControls {
  /** Delay before each message is sent: fixed, or uniformly random in [min, max]. */
  delayMs: number | DelayRange;
  /** How many copies of each message are sent (1 = no duplicates). */
  duplicate: number;
  /** Probability (0..1) that a copy is silently lost. */
  dropRate: number;
  /** Lose every message. */
  drop: boolean;
  /** Hold messages and release them as a batch in another order; null = off. */
  reorder: ReorderControl | null;
  /** Formats to send; `source_news` in the notification_url narrows this further. */
  formats: NotificationFormat[];
  /** Waits before each retry after a failed attempt (Mercado Pago: 30 s, 5 min, 30 min). */
  retrySchedule: number[];
  /** Send everything here instead of the order's notification_url (our query is appended). */
  overrideUrl: string | null;
}

export type DeliverFn = (
  url: string,
  body: unknown,
  info: { timeoutMs: number; attempt: number; headers?: Record<string, string> },
) => Promise<number>;

export interface NotifierOptions {
  collectorId: number;
  now?: () => Date;
  deliver?: DeliverFn;
  /** Seed of the random generator used for drops, random delays and random reordering. */
  seed?: number;
  controls?: Partial<NotificationControls>;
  /** Timeout of the first attempt (Mercado Pago: 22 s). */
  firstTimeoutMs?: number;
  /** Timeout of retries (Mercado Pago's in-person page: 5 s). */
  retryTimeoutMs?: number;
  utcOffsetMinutes?: number;
  /**
   * Where `order` Webhooks (Orders API) go. Mercado Pago takes this URL from the application's
   * settings ("Your integrations" → Webhooks → event "Order"), not from the order. null: none sent.
   */
  ordersNotificationUrl?: string | null;
  /** The application's webhook secret signature, used for `x-signature`. */
  ordersWebhookSecret?: string;
  /**
   * Casing of `data.id` in the signed manifest: `original` (what the official SDKs check since
   * June 2026, and the service) or `lower` (what the QR notifications page says). Default original.
   */
  ordersSignatureIdCase?: "original" | "lower";
}

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

export type DeliveryOutcome = "delivered" | "failed" | "dropped" | "skipped";

export interface DeliveryLogEntry {
  seq: number;
  /** Same for all copies and attempts of one message. */
  messageId: number;
  copy: number;
  attempt: number;
  format: NotificationFormat;
  topic: NotificationTopic;
  resourceId: number | string;
  url: string;
  body: unknown;
  /** Headers of the attempt (`order` Webhooks: x-signature, x-request-id, X-Retry). */
  headers?: Record<string, string>;
  status: number | null;
  outcome: DeliveryOutcome;
  willRetry: boolean;
  error?: string;
  at: string;
}

export interface NotifierStats {
  inFlight: number;
  scheduled: number;
  held: number;
  delivered: number;
  failed: number;
  dropped: number;
  skipped: number;
}

export interface Notifier {
  /** Turns a state event into notifications. */
  notify(event: SimulatorEvent): void;
  getControls(): NotificationControls;
  /** Merges `patch` into the controls (validated) and returns the result. */
  setControls(patch: unknown): NotificationControls;
  resetControls(): NotificationControls;
  /** Releases the messages held for reordering; returns how many were released. */
  release(): number;
  /** Resolves once nothing is in flight or scheduled (held messages are not waited for). */
  idle(): Promise<void>;
  flush(): Promise<void>;
  /** Cancels timers, drops held messages and ignores further events. */
  stop(): void;
  log(): readonly DeliveryLogEntry[];
  clearLog(): void;
  stats(): NotifierStats;
}

const DEFAULT_CONTROLS: NotificationControls = {
  delayMs: 0,
  duplicate: 1,
  dropRate: 0,
  drop: false,
  reorder: null,
  formats: ["ipn", "webhooks"],
  retrySchedule: [30_000, 300_000, 1_800_000],
  overrideUrl: null,
};

const MAX_LOG = 5000;

export type NotificationTopic = "merchant_order" | "payment" | "order";

interface Message {
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

export class ControlsError extends Error {}

function isNonNegativeNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

/** Validates a partial controls object coming from code or from HTTP. */
export function parseControls(patch: unknown, base: NotificationControls): NotificationControls {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw new ControlsError("controls must be an object");
  }
  const p = patch as Record<string, unknown>;
  const next: NotificationControls = { ...base, formats: [...base.formats] };
  for (const key of Object.keys(p)) {
    if (!(key in DEFAULT_CONTROLS)) throw new ControlsError(`unknown control: ${key}`);
  }
  if (p["delayMs"] !== undefined) {
    const d = p["delayMs"];
    if (isNonNegativeNumber(d)) next.delayMs = d;
    else if (
      typeof d === "object" &&
      d !== null &&
      isNonNegativeNumber((d as Record<string, unknown>)["min"]) &&
      isNonNegativeNumber((d as Record<string, unknown>)["max"])
    ) {
      const range = d as DelayRange;
      if (range.max < range.min) throw new ControlsError("delayMs.max must be >= delayMs.min");
      next.delayMs = { min: range.min, max: range.max };
    } else throw new ControlsError("delayMs must be a number or {min, max}");
  }
  if (p["duplicate"] !== undefined) {
    const n = p["duplicate"];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 100) {
      throw new ControlsError("duplicate must be an integer between 1 and 100");
    }
    next.duplicate = n;
  }
  if (p["dropRate"] !== undefined) {
    const r = p["dropRate"];
    if (typeof r !== "number" || !(r >= 0 && r <= 1)) {
      throw new ControlsError("dropRate must be between 0 and 1");
    }
    next.dropRate = r;
  }
  if (p["drop"] !== undefined) {
    if (typeof p["drop"] !== "boolean") throw new ControlsError("drop must be boolean");
    next.drop = p["drop"];
  }
  if (p["reorder"] !== undefined) {
    const r = p["reorder"];
    if (r === null || r === false) next.reorder = null;
    else if (r === "reverse" || r === "random") next.reorder = { mode: r, batch: 0 };
    else if (typeof r === "object") {
      const o = r as Record<string, unknown>;
      const mode = o["mode"];
      const batch = o["batch"] ?? 0;
      if (mode !== "reverse" && mode !== "random") {
        throw new ControlsError("reorder.mode must be reverse or random");
      }
      if (typeof batch !== "number" || !Number.isInteger(batch) || batch < 0) {
        throw new ControlsError("reorder.batch must be a non-negative integer");
      }
      next.reorder = { mode, batch };
    } else throw new ControlsError("reorder must be null, 'reverse', 'random' or {mode, batch}");
  }
  if (p["formats"] !== undefined) {
    const f = p["formats"];
    const list = typeof f === "string" ? (f === "both" ? ["ipn", "webhooks"] : [f]) : f;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((x) => x === "ipn" || x === "webhooks")
    ) {
      throw new ControlsError("formats must be 'ipn', 'webhooks', 'both' or a list of them");
    }
    next.formats = [...new Set(list as NotificationFormat[])];
  }
  if (p["retrySchedule"] !== undefined) {
    const s = p["retrySchedule"];
    if (!Array.isArray(s) || !s.every(isNonNegativeNumber)) {
      throw new ControlsError("retrySchedule must be a list of non-negative numbers (ms)");
    }
    next.retrySchedule = [...(s as number[])];
  }
  if (p["overrideUrl"] !== undefined) {
    const u = p["overrideUrl"];
    if (u !== null && typeof u !== "string")
      throw new ControlsError("overrideUrl must be a string");
    if (typeof u === "string" && !URL.canParse(u)) {
      throw new ControlsError("overrideUrl must be an absolute URL");
    }
    next.overrideUrl = u;
  }
  return next;
}

/** Default delivery: a JSON POST, answering with the HTTP status (any status, no redirects). */
export const axiosDeliver: DeliverFn = async (url, body, info) => {
  const response = await axios.post(url, body, {
    timeout: info.timeoutMs,
    maxRedirects: 0,
    validateStatus: () => true,
    headers: { ...(info.headers ?? {}), "content-type": "application/json" },
  });
  return response.status;
};

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

export function createNotifier(opts: NotifierOptions): Notifier {
  const now = opts.now ?? (() => new Date());
  const deliver = opts.deliver ?? axiosDeliver;
  const random = createRandom(opts.seed ?? 0x5eed);
  const firstTimeout = opts.firstTimeoutMs ?? 22_000;
  const retryTimeout = opts.retryTimeoutMs ?? 5_000;
  const offset = opts.utcOffsetMinutes ?? -180;
  let controls = parseControls(opts.controls ?? {}, DEFAULT_CONTROLS);

  const timers = new Set<NodeJS.Timeout>();
  let held: Message[] = [];
  let inFlight = 0;
  let stopped = false;
  let messageCounter = 0;
  let logSeq = 0;
  let webhookId = 1_000_000_000;
  const entries: DeliveryLogEntry[] = [];
  const counts = { delivered: 0, failed: 0, dropped: 0, skipped: 0 };
  let waiters: (() => void)[] = [];

  function isIdle(): boolean {
    return inFlight === 0 && timers.size === 0;
  }

  function checkIdle(): void {
    if (!isIdle()) return;
    const list = waiters;
    waiters = [];
    for (const resolve of list) resolve();
  }

  function schedule(ms: number, fn: () => void): void {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
      checkIdle();
    }, ms);
    timers.add(timer);
  }

  function record(
    msg: Message,
    attempt: number,
    outcome: DeliveryOutcome,
    status: number | null,
    extra: {
      willRetry?: boolean;
      error?: string;
      body?: unknown;
      headers?: Record<string, string>;
    } = {},
  ): void {
    counts[outcome] += 1;
    logSeq += 1;
    const entry: DeliveryLogEntry = {
      seq: logSeq,
      messageId: msg.messageId,
      copy: msg.copy,
      attempt,
      format: msg.format,
      topic: msg.topic,
      resourceId: msg.resourceId,
      url: msg.url,
      body: extra.body ?? msg.body(attempt),
      status,
      outcome,
      willRetry: extra.willRetry ?? false,
      at: formatMpDate(now(), offset),
    };
    if (extra.error !== undefined) entry.error = extra.error;
    if (extra.headers !== undefined) entry.headers = extra.headers;
    entries.push(entry);
    if (entries.length > MAX_LOG) entries.splice(0, entries.length - MAX_LOG);
  }

  function attemptDelivery(msg: Message, attempt: number): void {
    if (stopped) return;
    const body = msg.body(attempt);
    const headers = msg.headers ? msg.headers(attempt) : {};
    inFlight += 1;
    const timeoutMs = attempt === 1 ? firstTimeout : retryTimeout;
    let promise: Promise<number>;
    try {
      promise = deliver(msg.url, body, { timeoutMs, attempt, headers });
    } catch (err) {
      promise = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    promise
      .then(
        (status) => ({ status, error: undefined as string | undefined }),
        (err: unknown) => ({
          status: null,
          error: err instanceof Error ? err.message : String(err),
        }),
      )
      .then(({ status, error }) => {
        if (stopped) return;
        const ok = status !== null && status >= 200 && status < 300;
        if (ok) {
          record(msg, attempt, "delivered", status, { body, headers });
          return;
        }
        const wait = controls.retrySchedule[attempt - 1];
        const willRetry = wait !== undefined;
        record(msg, attempt, "failed", status, {
          body,
          headers,
          willRetry,
          ...(error !== undefined ? { error } : {}),
        });
        if (wait !== undefined) schedule(wait, () => attemptDelivery(msg, attempt + 1));
      })
      .finally(() => {
        inFlight -= 1;
        checkIdle();
      });
  }

  function pickDelay(): number {
    const d = controls.delayMs;
    if (typeof d === "number") return d;
    return Math.round(d.min + random() * (d.max - d.min));
  }

  function send(msg: Message): void {
    const delay = pickDelay();
    if (delay > 0) schedule(delay, () => attemptDelivery(msg, 1));
    else attemptDelivery(msg, 1);
  }

  function release(): number {
    const batch = held;
    held = [];
    if (controls.reorder?.mode === "random") {
      for (let i = batch.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        const a = batch[i];
        const b = batch[j];
        if (a !== undefined && b !== undefined) {
          batch[i] = b;
          batch[j] = a;
        }
      }
    } else {
      batch.reverse();
    }
    for (const msg of batch) send(msg);
    checkIdle();
    return batch.length;
  }

  function enqueue(msg: Message): void {
    if (controls.drop || (controls.dropRate > 0 && random() < controls.dropRate)) {
      record(msg, 1, "dropped", null);
      return;
    }
    const reorder = controls.reorder;
    if (reorder) {
      held.push(msg);
      if (reorder.batch > 0 && held.length >= reorder.batch) release();
      return;
    }
    send(msg);
  }

  function targetFormats(url: string): NotificationFormat[] {
    const query = url.split("#")[0]?.split("?")[1] ?? "";
    const sourceNews = new URLSearchParams(query).get("source_news");
    const wanted = controls.formats;
    if (sourceNews === "ipn") return wanted.filter((f) => f === "ipn");
    if (sourceNews === "webhooks") return wanted.filter((f) => f === "webhooks");
    return wanted;
  }

  /**
   * An `order` Webhook (Orders API, notifications page §4.2): POST `?data.id=<id>&type=order`
   * to the application's URL, signed; the legacy `formats` and `source_news` do not apply.
   */
  function notifyOrder(event: ApiOrderEvent): void {
    const target = controls.overrideUrl ?? opts.ordersNotificationUrl ?? null;
    if (target === null) return;
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
      user_id: order.user_id,
    };
    const secret = opts.ordersWebhookSecret ?? DEFAULT_ORDERS_WEBHOOK_SECRET;
    const signedId = opts.ordersSignatureIdCase === "lower" ? dataId.toLowerCase() : dataId;
    const headers = (attempt: number): Record<string, string> => {
      const requestId = randomUUID();
      const ts = String(now().getTime());
      return {
        "x-signature": signOrderNotification(secret, signedId, requestId, ts),
        "x-request-id": requestId,
        "x-retry": String(attempt - 1),
        "x-socket-timeout": String(attempt === 1 ? firstTimeout : retryTimeout),
        "user-agent": "restclient-node/4.15.3",
      };
    };
    messageCounter += 1;
    const messageId = messageCounter;
    const msg = {
      messageId,
      format: "webhooks" as const,
      topic: "order" as const,
      resourceId: dataId,
      url,
      body: () => body,
      headers,
    };
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      record({ ...msg, copy: 1 }, 1, "skipped", null, {
        error: "notification URL is not an absolute http(s) URL",
      });
      return;
    }
    for (let copy = 1; copy <= controls.duplicate; copy += 1) enqueue({ ...msg, copy });
  }

  function notify(event: SimulatorEvent): void {
    if (stopped) return;
    if (event.type === "order") {
      notifyOrder(event);
      return;
    }
    const original =
      event.type === "merchant_order"
        ? event.merchantOrder.notification_url
        : event.notificationUrl;
    const target = controls.overrideUrl ?? original;
    if (target === null) return;
    const topic = event.type === "merchant_order" ? "merchant_order" : "payment";
    const resourceId = event.type === "merchant_order" ? event.merchantOrder.id : event.payment.id;
    const at = formatMpDate(now(), offset);

    // Formats follow `source_news` of the order's own URL (Mercado Pago reads it from there).
    const formats = targetFormats(original ?? target);
    for (const format of formats) {
      messageCounter += 1;
      const messageId = messageCounter;
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
          user_id: opts.collectorId,
          version: attempt,
        });
      } else {
        url = appendQuery(target, [
          ["data.id", String(resourceId)],
          ["type", "payment"],
        ]);
        webhookId += 1;
        const id = webhookId;
        const action = event.action;
        body = () => ({
          id,
          live_mode: false,
          type: "payment",
          date_created: at,
          user_id: opts.collectorId,
          api_version: "v1",
          action,
          data: { id: String(resourceId) },
        });
      }
      if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
        record({ messageId, copy: 1, format, topic, resourceId, url, body }, 1, "skipped", null, {
          error: "notification_url is not an absolute http(s) URL",
        });
        continue;
      }
      for (let copy = 1; copy <= controls.duplicate; copy += 1) {
        enqueue({ messageId, copy, format, topic, resourceId, url, body });
      }
    }
  }

  function idle(): Promise<void> {
    if (isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => waiters.push(resolve));
  }

  return {
    notify,
    getControls: () => structuredClone(controls),
    setControls(patch) {
      const wasReordering = controls.reorder !== null;
      controls = parseControls(patch, controls);
      if (wasReordering && controls.reorder === null && held.length > 0) {
        // Turning reordering off sends what was held, in arrival order.
        const batch = held;
        held = [];
        for (const msg of batch) send(msg);
      }
      return structuredClone(controls);
    },
    resetControls() {
      controls = parseControls(opts.controls ?? {}, DEFAULT_CONTROLS);
      const batch = held;
      held = [];
      for (const msg of batch) send(msg);
      return structuredClone(controls);
    },
    release,
    idle,
    flush: idle,
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      held = [];
      // In-flight deliveries finish on their own; waiters should not hang on them.
      const list = waiters;
      waiters = [];
      for (const resolve of list) resolve();
    },
    log: () => entries,
    clearLog() {
      entries.length = 0;
    },
    stats: () => ({ inFlight, scheduled: timers.size, held: held.length, ...counts }),
  };
}
