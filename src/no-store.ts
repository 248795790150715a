import type { RequestHandler } from "express";

/** Answers that hold what a key may see (stores, POS, webhook endpoints): no cache keeps them. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader("Cache-Control", "no-store");
  next();
};
