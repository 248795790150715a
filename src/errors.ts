import type { ErrorRequestHandler, RequestHandler } from "express";
import { z } from "zod";

/** The one error vocabulary of the API (api-contract.md, "Errors"). */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  pos_busy: 409,
  already_paid: 409,
  in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  mercadopago_rejected: 502,
  mercadopago_unavailable: 502,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown[] = [],
    status?: number,
    /** sent as Retry-After: when trying again makes sense */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "AppError";
    this.status = status ?? ERROR_STATUS[code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; request_id: string; details: unknown[] };
}

export function errorBody(err: AppError, requestId: string): ErrorBody {
  return {
    error: { code: err.code, message: err.message, request_id: requestId, details: err.details },
  };
}

/** Turns a zod failure into field-by-field messages: "items.0.unit_price: must be > 0". */
export function validationError(error: z.ZodError): AppError {
  // bounded: an issue can quote the request (thousands of unknown keys, a deep path)
  const details = error.issues.map((i) => ({
    path: i.path.map(String).join(".").slice(0, 200),
    message: i.message.slice(0, 300),
  }));
  const message = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
  return new AppError("validation_failed", message.slice(0, 1000), details.slice(0, 50));
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Maps what express and body-parser throw onto the vocabulary; anything unknown is internal. */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof z.ZodError) return validationError(err);
  const e = (err ?? {}) as BodyParserError;
  if (e.type === "entity.too.large") {
    return new AppError("payload_too_large", "request body is too large");
  }
  if (e.type === "entity.parse.failed") {
    return new AppError("validation_failed", "request body is not valid JSON");
  }
  if (e.type === "encoding.unsupported" || e.type === "charset.unsupported") {
    return new AppError("unsupported_media_type", "request body encoding is not supported");
  }
  if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
    return new AppError("validation_failed", "the request could not be read", [], e.status);
  }
  return new AppError("internal", "internal error");
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError("not_found", `no route for ${req.method} ${req.path}`));
};

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appError = toAppError(err);
  if (appError.status >= 500 && appError.code === "internal") {
    req.log.error({ err }, "unhandled error");
  } else if (appError.status >= 500) {
    req.log.warn({ code: appError.code, message: appError.message }, "request failed upstream");
  }
  if (appError.retryAfterSeconds !== undefined) {
    res.set("Retry-After", String(Math.max(1, Math.ceil(appError.retryAfterSeconds))));
  }
  res.status(appError.status).json(errorBody(appError, String(req.id)));
};

/** An error's message for a log line or a stored note, whatever was thrown. */
export const messageOf = (err: unknown): string =>
  err instanceof Error ? err.message : String(err);
