import type { AxiosResponse } from "axios";
import { isAxiosError } from "axios";
import { MercadoPagoErrorBodySchema } from "./mercadopago.schemas.ts";

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

/** Retry-After in seconds or as a date, in ms from now. */
function retryAfterMs(value: unknown): number | null {
  if (typeof value !== "string" || value === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** A non-success answer as a failure: its status decides between rejected and unavailable. */
export function errorFromResponse(res: AxiosResponse): MercadoPagoError {
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

/** Whatever a call threw, as a MercadoPagoError (a timeout, an answer, no connection). */
export function toError(err: unknown): MercadoPagoError {
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

/**
 * The same failure without the access token in its text: an upstream message that quotes our
 * token must not carry it on into logs, the notification inbox or an API error.
 */
export function withoutToken(err: MercadoPagoError, token: string): MercadoPagoError {
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
