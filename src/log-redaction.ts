import { stdSerializers } from "pino";

/** What a credential's value is written as. */
export const CENSOR = "[redacted]";

/** Past this depth a value is not walked but written as this, so nothing deeper can slip out. */
const MAX_DEPTH = 10;
const TOO_DEEP = "[too deep]";

/**
 * Keys whose values are credentials, lowercased: blanked wherever they appear, whatever their
 * case (`Authorization`, `MP_ACCESS_TOKEN`, `x-signature`).
 */
const SECRET_KEYS = new Set(
  [
    "authorization",
    "cookie",
    "accessToken",
    "access_token",
    "token",
    "MP_ACCESS_TOKEN",
    "apiKeys",
    "staffApiKeys",
    "posApiKeys",
    "API_KEYS",
    "STAFF_API_KEYS",
    "POS_API_KEYS",
    "secret",
    "webhookSecret",
    "WEBHOOK_SECRET",
    "signingSecret",
    "webhookSigningSecret",
    "MP_WEBHOOK_SIGNING_SECRET",
    "metricsToken",
    "METRICS_TOKEN",
    "x-signature",
  ].map((k) => k.toLowerCase()),
);

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase());
}

/**
 * A log line's fields with every credential blanked, at any depth: one walk that copies only the
 * objects on the way to a credential and returns everything else as it is (a line with none is
 * not copied at all). Errors are serialized as pino's `err` serializer does, wherever they are,
 * and objects with a `toJSON` are walked in the form JSON would write (an HTTP client's error
 * and its headers), so what is checked is what is written.
 *
 * pino's own `redact` walks its every path on every line, each path split again each time:
 * with the sixty-odd paths that cover these keys three levels deep, that cost 45–73 µs per line
 * of the sale paths (`bench/log-line.ts`), each of which logs; this walk costs under one.
 */
export function redactSecrets<T>(value: T): T {
  try {
    return walk(value, 0) as T;
  } catch {
    // a getter or a toJSON that throws: a log call must not fail its request, nor write
    // fields it could not check
    return { fields: UNWALKABLE } as T;
  }
}

/** What a line's fields are written as when walking them threw. */
export const UNWALKABLE = "[fields that could not be checked for credentials]";

function walk(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DEPTH) return TOO_DEEP;
  if (value instanceof Error) return walkObject(stdSerializers.err(value), depth);
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return walkArray(value, depth);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return walk(toJSON.call(value), depth);
  return walkObject(value as Record<string, unknown>, depth);
}

function walkArray(items: unknown[], depth: number): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const walked = walk(items[i], depth + 1);
    if (walked !== items[i]) (copy ??= items.slice())[i] = walked;
  }
  return copy ?? items;
}

function walkObject(object: Record<string, unknown>, depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    const value = object[key];
    const walked = value !== undefined && isSecretKey(key) ? CENSOR : walk(value, depth + 1);
    if (walked !== value) (copy ??= { ...object })[key] = walked;
  }
  return copy ?? object;
}
