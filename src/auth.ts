import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { AppError } from "./errors.ts";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * Bearer-token check against API_KEYS. Keys are compared as SHA-256 digests with
 * timingSafeEqual, and every key is compared, so timing says nothing about which key or how much
 * of it matched.
 */
export function requireApiKey(apiKeys: readonly string[]): RequestHandler {
  const digests = apiKeys.map(digest);
  return (req, _res, next) => {
    const header = req.get("authorization") ?? "";
    const match = /^Bearer ([^\s]{1,512})$/i.exec(header);
    if (match?.[1]) {
      const presented = digest(match[1]);
      let ok = false;
      for (const d of digests) ok = timingSafeEqual(d, presented) || ok;
      if (ok) return next();
    }
    next(new AppError("unauthorized", "send Authorization: Bearer <API key>"));
  };
}
