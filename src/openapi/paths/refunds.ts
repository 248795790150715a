import { RefundBodySchema, IdempotencyKeySchema } from "../../refunds/refunds.routes.ts";
import { SaleSchema } from "../../sales/sale.responses.ts";
import { z } from "zod";
import { AUTHENTICATED, errors, json, type Operation } from "../define.ts";
import { REFUNDED_SALE_EXAMPLE } from "../examples.ts";

export const REFUND_OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/orders/{ref}/refund",
    summary: "Refund all that remains (`{}` or no body) or an amount",
    tag: "refunds",
    headers: {
      schema: z.object({ "Idempotency-Key": IdempotencyKeySchema.optional() }),
      descriptions: {
        "Idempotency-Key": "a retry with the same key and body answers as the first",
      },
    },
    body: {
      schema: RefundBodySchema,
      required: false,
      description: "`amount` > 0 with at most 2 decimals; none: the whole remainder",
      example: { amount: 2.5 },
    },
    responses: {
      200: json(SaleSchema, "the sale (`refunded` once all was given back)", REFUNDED_SALE_EXAMPLE),
      ...errors([400, ...AUTHENTICATED, 404, 409, 413, 415, 502, 504], {
        409: "`not_refundable`, `in_progress` or `conflict` (the key with another amount)",
      }),
    },
  },
];
