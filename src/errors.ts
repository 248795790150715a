import type { ErrorRequestHandler, RequestHandler } from "express";
import { z } from "zod";
import { noteOnAccessLine } from "./logger.ts";
import { readableIssue } from "./validation-messages.ts";

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
  not_refundable: 409,
  merchant_not_connected: 409,
  unsupported_site: 400,
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

/**
 * Parses request input (body, query, params); a failure is the one validation error, in plain
 * words where the schema has none of its own (readableIssue). The input is kept on each issue
 * only so that a missing field can be told from a wrong one; it never reaches the answer.
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value, { error: readableIssue, reportInput: true });
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/** A field that is absent, whatever the schema says of a wrong value. */
function isMissing(issue: z.core.$ZodIssue): boolean {
  return (
    (issue.code === "invalid_type" || issue.code === "invalid_value") &&
    issue.path.length > 0 &&
    "input" in issue &&
    issue.input === undefined
  );
}

/**
 * Turns a zod failure into field-by-field messages, one per field ("items.0.unit_price: must be
 * greater than 0", "store_id: is required"); each unknown key is named as a field of its own
 * ("foo: unknown field"). Later complaints about a field already named are dropped: they are
 * the same problem told again (a price of 0 is not also "at least 0.01").
 */
export function validationError(error: z.ZodError): AppError {
  const details: { path: string; message: string }[] = [];
  const named = new Set<string>();
  const add = (segments: readonly PropertyKey[], message: string) => {
    // bounded: an issue can quote the request (thousands of unknown keys, a deep path)
    const path = segments.map(String).join(".").slice(0, 200);
    if (named.has(path) || details.length >= 50) return;
    named.add(path);
    details.push({ path, message: message.slice(0, 300) });
  };
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) add([...issue.path, key], "unknown field");
    } else {
      add(issue.path, isMissing(issue) ? "is required" : issue.message);
    }
  }
  const message = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
  return new AppError("validation_failed", message.slice(0, 1000), details);
}

/** Seconds a client is asked to wait before retrying when the database is unreachable. */
export const DATABASE_RETRY_AFTER_S = 5;

/** Node's socket codes for a host that cannot be reached or a connection that broke. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);
/** Prisma's: cannot reach, timed out, operations timed out, connection closed, pool timeout. */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
/** adapter-pg's kinds for the same */
const ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);
/**
 * SQLSTATEs: connection exceptions (class 08, also what PgBouncer answers when it cannot get a
 * server connection), the server shutting down or starting, too many connections, and a
 * statement cancelled by statement_timeout.
 */
const SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300|57014)$/;
/** What pg and pg-pool throw as plain errors when the connection or its wait gives up. */
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error)/;

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
}

/**
 * Whether an error means the database cannot be reached or answered too late, however the driver,
 * the pool, adapter-pg or Prisma wrapped it (each keeps the one below as `cause` or in `meta`).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const { code, kind, message, cause, meta } = e as ErrorLike;
    if (typeof code === "string" && (SOCKET_CODES.has(code) || PRISMA_CODES.has(code))) {
      return true;
    }
    if (typeof code === "string" && SQLSTATE.test(code)) return true;
    if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === "string" && PG_MESSAGES.test(message)) return true;
    queue.push(cause, meta?.driverAdapterError);
  }
  return false;
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Maps what express and body-parser throw onto the vocabulary; anything unknown is internal. */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof z.ZodError) return validationError(err);
  if (isDatabaseUnavailable(err)) {
    return new AppError(
      "service_unavailable",
      "the database is not reachable at the moment; try again shortly",
      [],
      undefined,
      DATABASE_RETRY_AFTER_S,
    );
  }
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
    noteOnAccessLine(req, "error", { err }, "unhandled error");
  } else if (appError.code === "service_unavailable") {
    noteOnAccessLine(req, "warn", { err }, "database unavailable");
  } else if (appError.status >= 500) {
    noteOnAccessLine(
      req,
      "warn",
      { code: appError.code, message: appError.message },
      "request failed upstream",
    );
  }
  // RFC 6750: a 401 names the scheme it wants (routes that know more set it first)
  if (appError.status === 401 && !res.get("WWW-Authenticate"))
    res.set("WWW-Authenticate", "Bearer");
  if (appError.retryAfterSeconds !== undefined) {
    res.set("Retry-After", String(Math.max(1, Math.ceil(appError.retryAfterSeconds))));
  }
  res.status(appError.status).json(errorBody(appError, String(req.id)));
};

/** An error's message for a log line or a stored note, whatever was thrown. */
export const messageOf = (err: unknown): string =>
  err instanceof Error ? err.message : String(err);
