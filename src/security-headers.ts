import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import helmet, { type HelmetOptions } from "helmet";

/**
 * helmet's headers, computed once. helmet walks its dozen middlewares and builds its
 * Content-Security-Policy string on every request, although with options that hold no functions
 * every request gets the same values: they are recorded here by running helmet once on a
 * stand-in response, and each request only sets them.
 */
export function securityHeaders(options?: HelmetOptions): RequestHandler {
  // a function (a per-request nonce) would be called once here and its value frozen
  if (holdsFunction(options))
    throw new Error("securityHeaders: options with functions vary per request");
  const set: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: unknown) {
      set.push([name, String(value)]);
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error(String(err));
    finished = true;
  });
  // a helmet that set a header per request, or asynchronously, would not be recorded whole
  if (!finished) throw new Error("helmet did not finish synchronously; its headers are not static");
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

function holdsFunction(value: unknown): boolean {
  if (typeof value === "function") return true;
  if (value === null || typeof value !== "object") return false;
  return Object.values(value).some(holdsFunction);
}
