import express, { Router, type RequestHandler } from "express";
import { z } from "zod";
import { permit } from "../auth.ts";
import { scopeOf } from "../scope.ts";
import { AppError, validationError } from "../errors.ts";
import { toCents } from "../sales/money.ts";
import { presentSale } from "../sales/sale.presenter.ts";
import { ExternalReferenceSchema } from "../sales/sales.schemas.ts";
import type { SalesService } from "../sales/sales.service.ts";
import type { RefundsService } from "./refunds.service.ts";

/** `{}` (all that remains) or `{ "amount": 2.5 }`: > 0, at most two decimals. */
export const RefundBodySchema = z.strictObject({
  amount: z
    .number()
    .positive("must be greater than 0")
    .refine((n) => toCents(n) !== null, "at most 2 decimals")
    .optional(),
});

/** A client's Idempotency-Key: bounded, printable, no spaces (it is stored and compared as is). */
export const IdempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, {
  message: "Idempotency-Key must be 1-100 of [A-Za-z0-9_.:-]",
});

/** A body, when there is one, is JSON (an empty request means the whole remainder). */
const jsonIfAny: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get("content-length") ?? 0) > 0 || req.get("transfer-encoding");
  next(
    !hasBody || req.is("application/json")
      ? undefined
      : new AppError("unsupported_media_type", "send the refund as application/json"),
  );
};

/**
 * `POST /orders/:ref/refund`. `sales` tells whether the caller may see the sale (a merchant's key
 * only its merchant's): one it may not is unknown to it, and nothing is sent upstream.
 */
export function createRefundsRouter(
  refunds: RefundsService,
  sales: Pick<SalesService, "get">,
): Router {
  const router = Router();

  router.post(
    "/orders/:ref/refund",
    permit(["full", "staff"], "refund sales"),
    jsonIfAny,
    express.json({ limit: "4kb", strict: true }),
    async (req, res) => {
      const ref = ExternalReferenceSchema.safeParse(req.params.ref);
      if (!ref.success) throw new AppError("not_found", "no sale with that external_reference");
      const body = RefundBodySchema.safeParse(req.body ?? {});
      if (!body.success) throw validationError(body.error);
      const header = req.get("idempotency-key");
      let idempotencyKey: string | null = null;
      if (header !== undefined) {
        const key = IdempotencyKeySchema.safeParse(header);
        if (!key.success) throw validationError(key.error);
        idempotencyKey = key.data;
      }
      await sales.get(ref.data, scopeOf(req));
      const amount = body.data.amount;
      const sale = await refunds.refund(ref.data, {
        amountCents: amount === undefined ? null : toCents(amount),
        idempotencyKey,
      });
      res.json(presentSale(sale));
    },
  );

  return router;
}
