import { z } from "zod";
import { amount, instant } from "../sales/sale.responses.ts";
import { DISCREPANCY_KINDS } from "./match.ts";

/** What `GET /reconciliation` answers (and `/sales/close` shows), for the OpenAPI document. */
export const ReconciliationSchema = z
  .object({
    status: z.enum(["pending", "matched", "discrepancies"]).meta({
      description:
        "pending: the day has not been checked yet (or its first run is under way); matched: Mercado Pago's ledger agrees; discrepancies: see the list",
    }),
    checked_at: instant.nullable().meta({ description: "when the day's last run finished" }),
    discrepancies: z.array(
      z.object({
        kind: z.enum(DISCREPANCY_KINDS),
        external_reference: z.string().optional(),
        payment_id: z.string().optional(),
        amount: amount.optional(),
        detail: z.string(),
      }),
    ),
  })
  .meta({ id: "Reconciliation" });
export type ReconciliationBody = z.infer<typeof ReconciliationSchema>;

/** What `POST /reconciliation/run` answers. */
export const ReconciliationRunSchema = ReconciliationSchema.extend({
  run: z.object({
    ran: z.boolean().meta({
      description:
        "false: another run of this store's day was under way; its result shows when it ends",
    }),
    pages: z.number().int().optional(),
    payments: z.number().int().optional(),
    new_discrepancies: z.number().int().optional(),
  }),
}).meta({ id: "ReconciliationRun" });
