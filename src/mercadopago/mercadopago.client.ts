import { randomUUID } from "node:crypto";
import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from "axios";
import type { Logger } from "pino";
import type { z } from "zod";
import {
  MercadoPagoErrorBodySchema,
  MerchantOrderSchema,
  MerchantOrderSearchSchema,
  MpPosSchema,
  MpPosSearchSchema,
  MpStoreSchema,
  MpStoreSearchSchema,
  PaymentSchema,
  PosOrderSchema,
  RefundListSchema,
  RefundSchema,
  UserSchema,
  type InstoreOrderBody,
  type MercadoPagoUser,
  type MerchantOrder,
  type MpPos,
  type MpPosBody,
  type MpStore,
  type MpStoreBody,
  type Payment,
  type PosOrder,
  type Refund,
} from "./mercadopago.schemas.ts";
import {
  OrderSchema,
  type Order,
  type OrderBody,
  type OrderRefundBody,
} from "./orders/orders.schemas.ts";

/**
 * How a call to Mercado Pago failed: `rejected` is a definite no (4xx); `unavailable` (5xx, 429,
 * connection errors, unreadable answers) and `timeout` leave the outcome unknown.
 */
export type MercadoPagoFailure = "rejected" | "unavailable" | "timeout";

export class MercadoPagoError extends Error {
  constructor(
    readonly kind: MercadoPagoFailure,
    message: string,
    readonly status: number | null = null,
    readonly code: string | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "MercadoPagoError";
  }
}

/** Options of one client call. */
export interface CallOptions {
  /**
   * Epoch ms by which the call, retries included, must be over (a cashier's request shares one
   * deadline over all its calls): each try waits at most the time left, and no try or retry
   * starts when too little is left. Without it each try has the client's own timeout.
   */
  deadline?: number;
}

/** Below this much time left before a deadline, no call is started: it could not finish. */
export const MIN_CALL_MS = 100;

/** Whether a deadline leaves too little time for another call. */
export function deadlinePassed(deadline: number | undefined, now = Date.now()): boolean {
  return deadline !== undefined && deadline - now < MIN_CALL_MS;
}

/** The Mercado Pago calls the service makes; the simulator and tests stand behind the same HTTP. */
export interface MercadoPagoClient {
  putOrder(storeId: string, posId: string, body: InstoreOrderBody, o?: CallOptions): Promise<void>;
  /** The order currently on the POS, or null when the POS has none. */
  getPosOrder(posId: string, o?: CallOptions): Promise<PosOrder | null>;
  /** Removes whatever order is on the POS; a POS with none counts as done. */
  deletePosOrder(posId: string, o?: CallOptions): Promise<void>;
  getMerchantOrder(id: string, o?: CallOptions): Promise<MerchantOrder | null>;
  searchMerchantOrders(externalReference: string, o?: CallOptions): Promise<MerchantOrder[]>;
  getPayment(id: string, o?: CallOptions): Promise<Payment | null>;
  /**
   * Refunds `amount` of a payment. Never retried here: a failure other than a definite no leaves
   * the refund's fate unknown, and the caller reads the payment's refunds before anything else.
   * `idempotencyKey` is sent as X-Idempotency-Key (required by Mercado Pago on this call).
   */
  refundPayment(
    paymentId: number,
    amount: number,
    idempotencyKey: string,
    o?: CallOptions,
  ): Promise<Refund>;
  /** The refunds of a payment (`GET /v1/payments/{id}/refunds`). */
  listRefunds(paymentId: number, o?: CallOptions): Promise<Refund[]>;
  /** `POST /users/{collector}/stores`; not retried (a lost answer is resolved by a search). */
  createStore(body: MpStoreBody, o?: CallOptions): Promise<MpStore>;
  /** The seller's stores with this external id (none or one). */
  searchStores(externalId: string, o?: CallOptions): Promise<MpStore[]>;
  /** `POST /pos`; not retried (a lost answer is resolved by a search). */
  createPos(body: MpPosBody, o?: CallOptions): Promise<MpPos>;
  /** The seller's POS with this external id (none or one). */
  searchPos(externalId: string, o?: CallOptions): Promise<MpPos[]>;
  /** The Mercado Pago user the access token belongs to (checked once at boot). */
  getCurrentUser(o?: CallOptions): Promise<MercadoPagoUser>;
  /**
   * Orders API `POST /v1/orders`. Retried like a read: the same X-Idempotency-Key makes Mercado
   * Pago answer a repeated create with the order it already made.
   */
  createOrder(body: OrderBody, idempotencyKey: string, o?: CallOptions): Promise<Order>;
  /** Orders API `GET /v1/orders/{id}`; null when Mercado Pago does not know it. */
  getOrder(id: string, o?: CallOptions): Promise<Order | null>;
  /** Orders API `POST /v1/orders/{id}/cancel` (only while the order is `created`). */
  cancelOrder(id: string, idempotencyKey: string, o?: CallOptions): Promise<Order | null>;
  /**
   * Orders API `POST /v1/orders/{id}/refund`: total without a body, partial with one. Not
   * retried here, as refundPayment.
   */
  refundOrder(
    id: string,
    body: OrderRefundBody | undefined,
    idempotencyKey: string,
    o?: CallOptions,
  ): Promise<Order | null>;
}

export interface MercadoPagoClientOptions {
  baseUrl: string;
  accessToken: string;
  collectorId: string;
  timeoutMs: number;
  logger: Logger;
  /** extra tries for idempotent calls (GET, DELETE) after a transient failure */
  retries?: number;
  /** most upstream calls in flight at once, so a hanging Mercado Pago cannot take every socket */
  maxConcurrency?: number;
  /** backoff base; tests shorten it */
  retryBaseMs?: number;
  /**
   * Called once with the HTTP instance before any call, so the metrics layer can time every
   * call (main.ts passes `observeMercadoPagoCalls`) without this adapter importing it.
   */
  observe?: (http: AxiosInstance) => void;
}

const MAX_RETRY_AFTER_MS = 2_000; // the cashier is waiting: a longer Retry-After fails the call

function retryAfterMs(value: unknown): number | null {
  if (typeof value !== "string" || value === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function errorFromResponse(res: AxiosResponse): MercadoPagoError {
  const body = MercadoPagoErrorBodySchema.safeParse(res.data);
  // newer APIs (Orders) answer {errors:[{code,message}]}, older ones {error,message,cause:[…]};
  // the Orders shape is UNCONFIRMED for QR (reference §9.11), so both are read and only the status
  // decides between rejected and unavailable. No rate limits are published (§9.17): 429 is read
  // as transient and retried, honouring Retry-After.
  const first = body.success ? body.data.errors?.[0] : undefined;
  const code = body.success ? (first?.code ?? body.data.error ?? null) : null;
  const message = body.success ? (first?.message ?? body.data.message ?? null) : null;
  const transient = res.status >= 500 || res.status === 429 || res.status === 408;
  return new MercadoPagoError(
    transient ? "unavailable" : "rejected",
    `Mercado Pago answered ${res.status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`,
    res.status,
    code,
    retryAfterMs(res.headers["retry-after"]),
  );
}

function toError(err: unknown): MercadoPagoError {
  if (err instanceof MercadoPagoError) return err;
  if (isAxiosError(err)) {
    if (err.code === "ECONNABORTED" || err.code === "ETIMEDOUT" || err.code === "ERR_CANCELED") {
      return new MercadoPagoError("timeout", "Mercado Pago did not answer in time");
    }
    if (err.response) return errorFromResponse(err.response);
    return new MercadoPagoError("unavailable", `cannot reach Mercado Pago (${err.code})`);
  }
  return new MercadoPagoError("unavailable", "unexpected failure calling Mercado Pago");
}

function parse<T extends z.ZodType>(schema: T, res: AxiosResponse, what: string): z.infer<T> {
  const parsed = schema.safeParse(res.data);
  if (!parsed.success) {
    throw new MercadoPagoError("unavailable", `unreadable ${what} from Mercado Pago`, res.status);
  }
  return parsed.data;
}

/** A counting semaphore: at most `max` upstream calls at once, the rest queue. */
function createLimiter(max: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The same failure without the access token in its text: an upstream message that quotes our
 * token must not carry it on into logs, the notification inbox or an API error.
 */
function withoutToken(err: MercadoPagoError, token: string): MercadoPagoError {
  if (token === "") return err;
  const hide = (text: string) => text.split(token).join("[redacted]");
  if (!err.message.includes(token) && !err.code?.includes(token)) return err;
  return new MercadoPagoError(
    err.kind,
    hide(err.message),
    err.status,
    err.code === null ? null : hide(err.code),
    err.retryAfterMs,
  );
}

export function createMercadoPagoClient(opts: MercadoPagoClientOptions): MercadoPagoClient {
  const http: AxiosInstance = axios.create({
    baseURL: opts.baseUrl,
    timeout: opts.timeoutMs,
    headers: { Authorization: `Bearer ${opts.accessToken}`, Accept: "application/json" },
    // statuses are judged here, not by axios, so 404 can mean "none" where it does
    validateStatus: () => true,
    maxRedirects: 0,
  });
  opts.observe?.(http);
  const limit = createLimiter(opts.maxConcurrency ?? 32);
  const retries = opts.retries ?? 2;
  const base = opts.retryBaseMs ?? 100;
  const log = opts.logger.child({ component: "mercadopago" });
  const collector = encodeURIComponent(opts.collectorId);

  interface Call {
    method: "GET" | "PUT" | "DELETE" | "POST";
    url: string;
    data?: unknown;
    idempotencyKey?: string;
    params?: Record<string, string>;
    ok?: number[];
    deadline?: number;
  }

  const outOfTime = () => new MercadoPagoError("timeout", "Mercado Pago did not answer in time");

  async function send({
    method,
    url,
    data,
    params,
    ok = [200],
    deadline,
    idempotencyKey,
  }: Call): Promise<AxiosResponse> {
    const started = Date.now();
    const res = await limit(() => {
      // measured once the call may start: time queued behind the limiter counts too
      const timeout =
        deadline === undefined ? opts.timeoutMs : Math.min(opts.timeoutMs, deadline - Date.now());
      if (deadline !== undefined && timeout < MIN_CALL_MS) throw outOfTime();
      return http.request({
        method,
        url,
        data,
        params,
        timeout,
        // a whole-call deadline: axios's own timeout only watches the socket
        signal: AbortSignal.timeout(timeout),
        headers: method === "GET" ? {} : { "X-Idempotency-Key": idempotencyKey ?? randomUUID() },
      });
    }).catch((err: unknown) => {
      throw withoutToken(toError(err), opts.accessToken);
    });
    log.debug({ method, url, status: res.status, ms: Date.now() - started }, "mercadopago call");
    if (ok.includes(res.status)) return res;
    throw withoutToken(errorFromResponse(res), opts.accessToken);
  }

  /** A read where 404 means "there is none". */
  async function find<T extends z.ZodType>(
    url: string,
    schema: T,
    what: string,
    deadline: number | undefined,
  ) {
    return withRetry(deadline, async () => {
      try {
        return parse(schema, await send({ method: "GET", url, deadline }), what) as z.infer<T>;
      } catch (err) {
        if (err instanceof MercadoPagoError && err.status === 404) return null;
        throw err;
      }
    });
  }

  /**
   * Only idempotent reads and deletes are retried, briefly, with jittered backoff; never past
   * the deadline.
   */
  async function withRetry<T>(deadline: number | undefined, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const e = toError(err);
        if (e.kind === "rejected" || attempt >= retries) throw e;
        if (e.retryAfterMs !== null && e.retryAfterMs > MAX_RETRY_AFTER_MS) throw e;
        const wait = Math.max(base * 2 ** attempt * (0.5 + Math.random()), e.retryAfterMs ?? 0);
        if (deadlinePassed(deadline, Date.now() + wait)) throw e;
        await sleep(wait);
      }
    }
  }

  const posOrders = (posId: string) =>
    `/instore/qr/seller/collectors/${collector}/pos/${encodeURIComponent(posId)}/orders`;

  return {
    async putOrder(storeId, posId, body, o) {
      // Not retried: a failed PUT is indeterminate and the caller looks at the POS instead.
      await send({
        method: "PUT",
        url: `/instore/qr/seller/collectors/${collector}/stores/${encodeURIComponent(storeId)}/pos/${encodeURIComponent(posId)}/orders`,
        data: body,
        ok: [200, 201, 204],
        deadline: o?.deadline,
      });
    },
    getPosOrder: (posId, o) => find(posOrders(posId), PosOrderSchema, "POS order", o?.deadline),
    async deletePosOrder(posId, o) {
      await withRetry(o?.deadline, async () => {
        try {
          await send({
            method: "DELETE",
            url: posOrders(posId),
            ok: [200, 204],
            deadline: o?.deadline,
          });
        } catch (err) {
          if (err instanceof MercadoPagoError && err.status === 404) return;
          throw err;
        }
      });
    },
    getMerchantOrder: (id, o) =>
      find(
        `/merchant_orders/${encodeURIComponent(id)}`,
        MerchantOrderSchema,
        "merchant order",
        o?.deadline,
      ),
    searchMerchantOrders: (externalReference, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "GET",
          url: "/merchant_orders/search",
          params: { external_reference: externalReference },
          deadline: o?.deadline,
        });
        return parse(MerchantOrderSearchSchema, res, "merchant order search").elements;
      }),
    getPayment: (id, o) =>
      find(`/v1/payments/${encodeURIComponent(id)}`, PaymentSchema, "payment", o?.deadline),
    async refundPayment(paymentId, amount, idempotencyKey, o) {
      const res = await send({
        method: "POST",
        url: `/v1/payments/${encodeURIComponent(String(paymentId))}/refunds`,
        data: { amount },
        ok: [200, 201],
        deadline: o?.deadline,
        idempotencyKey,
      });
      return parse(RefundSchema, res, "refund");
    },
    listRefunds: (paymentId, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "GET",
          url: `/v1/payments/${encodeURIComponent(String(paymentId))}/refunds`,
          deadline: o?.deadline,
        });
        return parse(RefundListSchema, res, "refund list");
      }),
    async createStore(body, o) {
      // documented as 200; 201 accepted too
      const res = await send({
        method: "POST",
        url: `/users/${collector}/stores`,
        data: body,
        ok: [200, 201],
        deadline: o?.deadline,
      });
      return parse(MpStoreSchema, res, "store");
    },
    searchStores: (externalId, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "GET",
          url: `/users/${collector}/stores/search`,
          params: { external_id: externalId },
          deadline: o?.deadline,
        });
        // the search may match loosely: only an exact external id counts
        const { results } = parse(MpStoreSearchSchema, res, "store search");
        return results.filter((s) => s.external_id === externalId);
      }),
    async createPos(body, o) {
      // the success code is not confirmed (200 or 201): both accepted
      const res = await send({
        method: "POST",
        url: "/pos",
        data: body,
        ok: [200, 201],
        deadline: o?.deadline,
      });
      return parse(MpPosSchema, res, "POS");
    },
    searchPos: (externalId, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "GET",
          url: "/pos",
          params: { external_id: externalId },
          deadline: o?.deadline,
        });
        const { results } = parse(MpPosSearchSchema, res, "POS search");
        return results.filter((p) => p.external_id === externalId);
      }),
    createOrder: (body, idempotencyKey, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "POST",
          url: "/v1/orders",
          data: body,
          ok: [200, 201],
          deadline: o?.deadline,
          idempotencyKey,
        });
        return parse(OrderSchema, res, "order");
      }),
    getOrder: (id, o) =>
      find(`/v1/orders/${encodeURIComponent(id)}`, OrderSchema, "order", o?.deadline),
    cancelOrder: (id, idempotencyKey, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "POST",
          url: `/v1/orders/${encodeURIComponent(id)}/cancel`,
          ok: [200, 201],
          deadline: o?.deadline,
          idempotencyKey,
        });
        const parsed = OrderSchema.safeParse(res.data);
        return parsed.success ? parsed.data : null;
      }),
    async refundOrder(id, body, idempotencyKey, o) {
      const res = await send({
        method: "POST",
        url: `/v1/orders/${encodeURIComponent(id)}/refund`,
        ...(body ? { data: body } : {}),
        ok: [200, 201],
        deadline: o?.deadline,
        idempotencyKey,
      });
      const parsed = OrderSchema.safeParse(res.data);
      return parsed.success ? parsed.data : null;
    },
    getCurrentUser: (o) =>
      withRetry(o?.deadline, async () =>
        parse(
          UserSchema,
          await send({ method: "GET", url: "/users/me", deadline: o?.deadline }),
          "user",
        ),
      ),
  };
}
