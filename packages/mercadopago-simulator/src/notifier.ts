// Delivery of Mercado Pago style notifications (IPN and Webhooks formats, API reference §5) to
// the `notification_url` of an order, and of signed `order` Webhooks (Orders API) to the URL
// configured for the application, with controls to make delivery unreliable on purpose: delay,
// duplication, dropping, reordering and retries on failure.

import axios from "axios";

import { DEFAULT_CONTROLS, parseControls } from "./notification-controls.ts";
import type { NotificationControls, NotificationFormat } from "./notification-controls.ts";
import {
  DEFAULT_ORDERS_WEBHOOK_SECRET,
  legacyMessage,
  orderWebhookMessage,
} from "./notification-messages.ts";
import type { Message, MessageDraft, NotificationTopic } from "./notification-messages.ts";
import type { SimulatorEvent } from "./state/index.ts";
import type { ApiOrderEvent } from "./state/types.ts";
import { createRandom, formatMpDate } from "./util.ts";

// Kept here for the notifier's own tests, which build URLs the way the notifier does.
export { appendQuery } from "./notification-messages.ts";

export type DeliverFn = (
  url: string,
  body: unknown,
  info: { timeoutMs: number; attempt: number; headers?: Record<string, string> },
) => Promise<number>;

export interface NotifierOptions {
  /** The seller a chargeback's Webhook names when its event does not say (`user_id`). */
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

const MAX_LOG = 5000;

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

  /** Sends the copies of a message, or logs it skipped when its URL cannot be posted to. */
  function dispatch(msg: MessageDraft, invalidUrl: string): void {
    if (!URL.canParse(msg.url) || !/^https?:$/.test(new URL(msg.url).protocol)) {
      record({ ...msg, copy: 1 }, 1, "skipped", null, { error: invalidUrl });
      return;
    }
    for (let copy = 1; copy <= controls.duplicate; copy += 1) enqueue({ ...msg, copy });
  }

  function notifyOrder(event: ApiOrderEvent): void {
    const target = controls.overrideUrl ?? opts.ordersNotificationUrl ?? null;
    if (target === null) return;
    messageCounter += 1;
    const msg = orderWebhookMessage(event, target, messageCounter, {
      now,
      secret: opts.ordersWebhookSecret ?? DEFAULT_ORDERS_WEBHOOK_SECRET,
      idCase: opts.ordersSignatureIdCase,
      firstTimeoutMs: firstTimeout,
      retryTimeoutMs: retryTimeout,
    });
    dispatch(msg, "notification URL is not an absolute http(s) URL");
  }

  /** The seller whose resource changed (a Webhook's `user_id`); `collectorId` before accounts. */
  function sellerOf(event: Exclude<SimulatorEvent, ApiOrderEvent>): number {
    if (event.type === "merchant_order") return event.merchantOrder.collector.id;
    if (event.type === "payment") return event.payment.collector_id;
    return event.collectorId ?? opts.collectorId;
  }

  function nextWebhookId(): number {
    webhookId += 1;
    return webhookId;
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
    const at = formatMpDate(now(), offset);

    // Formats follow `source_news` of the order's own URL (Mercado Pago reads it from there).
    const formats = targetFormats(original ?? target);
    for (const format of formats) {
      messageCounter += 1;
      const msg = legacyMessage(
        event,
        format,
        target,
        messageCounter,
        at,
        sellerOf(event),
        nextWebhookId,
      );
      dispatch(msg, "notification_url is not an absolute http(s) URL");
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
