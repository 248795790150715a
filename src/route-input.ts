import type { RequestHandler } from "express";
import type { z } from "zod";
import { AppError } from "./errors.ts";

/** 415 unless the body is declared JSON: checked before a byte of it is read. */
export function requireJson(what: string): RequestHandler {
  return (req, _res, next) => {
    next(
      req.is("application/json")
        ? undefined
        : new AppError("unsupported_media_type", `send ${what} as application/json`),
    );
  };
}

/** An id in the path that cannot be one names nothing here: 404, as an unknown one. */
export function pathId(schema: z.ZodType<string>, value: unknown, what: string): string {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError("not_found", `no ${what} ${String(value)} here`);
  return result.data;
}
