import type { RequestHandler } from "express";

const METHODS = "GET, POST, DELETE";
const REQUEST_HEADERS = "Authorization, Content-Type, X-Request-Id";
const EXPOSED_HEADERS = "X-Request-Id, Retry-After, RateLimit, RateLimit-Policy";

/**
 * CORS for the listed browser origins only (CORS_ORIGINS). Another origin gets no CORS header,
 * so the browser keeps the response from it; a preflight from a listed origin is answered here,
 * before authentication, since browsers send it without the Authorization header.
 */
export function allowOrigins(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    res.vary("Origin");
    const origin = req.get("origin");
    if (!origin || !allowed.has(origin)) return next();
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    if (req.method === "OPTIONS" && req.get("access-control-request-method")) {
      res.setHeader("Access-Control-Allow-Methods", METHODS);
      res.setHeader("Access-Control-Allow-Headers", REQUEST_HEADERS);
      res.setHeader("Access-Control-Max-Age", "600");
      res.status(204).end();
      return;
    }
    next();
  };
}
