import { randomUUID } from "node:crypto";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import type { Logger } from "pino";
import type { z } from "zod";
import {
  MercadoPagoError,
  errorFromResponse,
  toError,
  withoutToken,
} from "./mercadopago.errors.ts";

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

/** The client's options (the collector is the seller's, in the paths of the calls). */
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
   * call (boot passes `observeMercadoPagoCalls`) without this adapter importing it.
   */
  observe?: (http: AxiosInstance) => void;
}

/**
 * Whether the environment names an HTTP proxy (HTTPS_PROXY, http_proxy, ALL_PROXY, npm's
 * npm_config_proxy ...; NO_PROXY alone names none). axios looks the variables up again on
 * every call; with none set, the client is told once that there is no proxy.
 */
export function proxyInEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return Object.keys(env).some((k) => /proxy$/i.test(k) && !/^no_proxy$/i.test(k) && !!env[k]);
}

/**
 * The sockets of every Mercado Pago call, shared by every merchant's client: Node's global
 * agent's options, but with the keep-alive probe delay axios sets on each request's socket
 * (60 s). With the global agent's 1 s the two would set it in turn on every reused socket: two
 * system calls per request, on every call of the hot paths.
 */
const AXIOS_KEEP_ALIVE_MS = 60_000;
const agentOptions = {
  keepAlive: true,
  keepAliveMsecs: AXIOS_KEEP_ALIVE_MS,
  scheduling: "lifo",
  timeout: 5_000,
} as const;
const agents = { httpAgent: new HttpAgent(agentOptions), httpsAgent: new HttpsAgent(agentOptions) };

const MAX_RETRY_AFTER_MS = 2_000; // the cashier is waiting: a longer Retry-After fails the call

/** An answer read through its schema; one that does not fit is unreadable, so unavailable. */
export function parse<T extends z.ZodType>(
  schema: T,
  res: AxiosResponse,
  what: string,
): z.infer<T> {
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
 * The HTTP under every call to Mercado Pago: one axios instance with the access token, a limit
 * on calls in flight, a deadline over each call, the retry of idempotent ones, and failures as
 * MercadoPagoError without the token in their text.
 */
export function createTransport(opts: MercadoPagoClientOptions) {
  const http: AxiosInstance = axios.create({
    baseURL: opts.baseUrl,
    timeout: opts.timeoutMs,
    headers: { Authorization: `Bearer ${opts.accessToken}`, Accept: "application/json" },
    // statuses are judged here, not by axios, so 404 can mean "none" where it does
    validateStatus: () => true,
    maxRedirects: 0,
    ...agents,
    // undefined: axios's own reading of the proxy variables, call by call
    ...(proxyInEnvironment() ? {} : { proxy: false as const }),
  });
  opts.observe?.(http);
  const limit = createLimiter(opts.maxConcurrency ?? 32);
  const retries = opts.retries ?? 2;
  const base = opts.retryBaseMs ?? 100;
  const log = opts.logger.child({ component: "mercadopago" });

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

  return { send, find, withRetry };
}

export type Transport = ReturnType<typeof createTransport>;
