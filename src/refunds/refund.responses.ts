import { z } from "zod";
import { amount, instant } from "../sales/sale.responses.ts";
import { REFUND_STATUSES } from "./refund.ts";

/** A refund as a sale's history shows it (`presentRefund`), for the OpenAPI document. */
export const SaleRefundSchema = z
  .object({
    status: z.enum(REFUND_STATUSES).meta({
      description:
        "requested: the outcome is not known yet; processing: Mercado Pago took it and has not " +
        "given the money back yet (the sale stays paid, `refunded_amount` does not count it); " +
        "done: Mercado Pago made it (`refunded_amount` of `amount`); failed: nothing was given " +
        "back (`failure` says why, in Mercado Pago's words when it ended the refund)",
    }),
    amount,
    refunded_amount: amount,
    failure: z.object({ code: z.string(), message: z.string() }).nullable(),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ description: "A refund asked of the sale through this service." });
