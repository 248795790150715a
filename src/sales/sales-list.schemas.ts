import { z } from "zod";
import { parseLocalDate } from "../stores/store-day.ts";
import { SALE_STATUSES, isSaleStatus, type SaleStatus } from "./sale-status.ts";

export const LIST_LIMIT = { min: 1, max: 200, default: 50 } as const;

const id = (max: number) =>
  z
    .string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(/^[A-Za-z0-9_-]+$/, "may contain only letters, digits, '_' and '-'");

/**
 * An instant with its zone: `Z` or `±hh:mm`. A date alone, or a time without a zone, is refused:
 * which instants "28 November" covers depends on the store's zone, and neither the server's nor
 * the database's zone is the store's. A store's local day is `from=2026-11-28T00:00:00-03:00`
 * `&to=2026-11-29T00:00:00-03:00`.
 */
const instant = z
  .string()
  .refine((s) => z.iso.datetime({ offset: true }).safeParse(s).success, {
    message:
      "must be an ISO-8601 date and time with a zone, e.g. 2026-11-28T00:00:00-03:00 or " +
      "2026-11-28T03:00:00Z (a date alone is refused: the day depends on the store's zone)",
  })
  .transform((s) => new Date(s));

/** `status=paid` or `status=paid,refunded` (a repeated `status=` counts as a list too). */
const statuses = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v.join(",") : v).split(",").map((s) => s.trim()))
  .refine((list) => list.every(isSaleStatus), {
    message: `must be one or more (comma-separated) of ${SALE_STATUSES.join(", ")}`,
  })
  .transform((list) => [...new Set(list as SaleStatus[])].sort());

/** A store's calendar day, `YYYY-MM-DD`: midnight to midnight in the store's time_zone. */
const localDate = z
  .string()
  .refine((s) => parseLocalDate(s) !== null, "must be a date YYYY-MM-DD, such as 2026-11-28");

const window = {
  store_id: id(60).optional(),
  pos_id: id(40).optional(),
  from: instant.optional(),
  to: instant.optional(),
  date: localDate.optional(),
};

type Window = { from?: Date; to?: Date; date?: string; store_id?: string };

/** from before to; `date` is a store's day, so it needs the store and replaces from/to. */
function windowRules(q: Window, ctx: z.RefinementCtx) {
  if (q.from && q.to && q.from >= q.to) {
    ctx.addIssue({ code: "custom", message: "from must be before to", path: ["to"] });
  }
  if (q.date !== undefined && q.store_id === undefined) {
    ctx.addIssue({
      code: "custom",
      message: "needs store_id: the day is that store's, in its time_zone",
      path: ["date"],
    });
  }
  if (q.date !== undefined && (q.from || q.to)) {
    ctx.addIssue({
      code: "custom",
      message: "cannot be combined with from or to: date is the whole day of the store",
      path: ["date"],
    });
  }
}

/** CSV only: `comma` (default) or `semicolon` (with decimal comma, for es/pt spreadsheets). */
const delimiter = z.enum(["comma", "semicolon"], { error: "must be comma or semicolon" });

export const SalesListQuerySchema = z
  .strictObject({
    ...window,
    status: statuses.optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, `must be a whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`)
      .transform(Number)
      .refine((n) => n >= LIST_LIMIT.min && n <= LIST_LIMIT.max, {
        message: `must be from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`,
      })
      .optional(),
    cursor: z.string().max(200, "is not a cursor this service gave").optional(),
    delimiter: delimiter.optional(),
  })
  .superRefine(windowRules);

export const SalesSummaryQuerySchema = z.strictObject(window).superRefine(windowRules);

export type SalesListQuery = z.infer<typeof SalesListQuerySchema>;
export type SalesSummaryQuery = z.infer<typeof SalesSummaryQuerySchema>;
