import { z } from "zod";
import { LOCALES, isLocale, type Locale } from "../sites.ts";
import { parseLocalDate } from "../stores/store-day.ts";

const id = (max: number) =>
  z
    .string({ error: "must be a string" })
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(/^[A-Za-z0-9_-]+$/, "may contain only letters, digits, '_' and '-'");

/** `?locale=`: the receipt's or close-out's language instead of the store's. */
const locale = z
  .string({ error: `must be one of ${LOCALES.join(", ")}` })
  .refine(isLocale, `must be one of ${LOCALES.join(", ")}`)
  .transform((s) => s as Locale);

/** `GET /orders/:ref/receipt` */
export const ReceiptQuerySchema = z.strictObject({ locale: locale.optional() });

/** `GET /sales/close`: one store's day, optionally one POS of it. */
export const CloseQuerySchema = z.strictObject({
  store_id: id(60),
  date: z
    .string({ error: "must be a date YYYY-MM-DD" })
    .refine((s) => parseLocalDate(s) !== null, "must be a date YYYY-MM-DD, such as 2026-11-28"),
  pos_id: id(40).optional(),
  locale: locale.optional(),
  delimiter: z.enum(["comma", "semicolon"], { error: "must be comma or semicolon" }).optional(),
});
