import { z } from "zod";
import { parseLocalDate } from "../stores/store-day.ts";

/** `GET /reconciliation` and `POST /reconciliation/run`: one store's day (in its zone). */
export const ReconciliationQuerySchema = z.strictObject({
  store_id: z
    .string({ error: "must be a string" })
    .min(1, "must not be empty")
    .max(60, "must be at most 60 characters")
    .regex(/^[A-Za-z0-9_-]+$/, "may contain only letters, digits, '_' and '-'"),
  date: z
    .string({ error: "must be a date YYYY-MM-DD" })
    .refine((s) => parseLocalDate(s) !== null, "must be a date YYYY-MM-DD, such as 2026-11-28"),
});
