import { z } from "zod";
import { LOCALES, isLocale, type Locale } from "../sites.ts";
import { canonicalTimeZone } from "./store-day.ts";

/** Mercado Pago external ids: letters and digits only (its store search rejects anything else). */
export const StoreIdSchema = z
  .string({ error: "must be a string" })
  .regex(/^[A-Za-z0-9]{1,60}$/, "must be 1-60 letters or digits (A-Z, a-z, 0-9)");
export const PosIdSchema = z
  .string({ error: "must be a string" })
  .regex(/^[A-Za-z0-9]{1,40}$/, "must be 1-40 letters or digits (A-Z, a-z, 0-9)");

const text = (max: number) =>
  z
    .string({ error: "must be a string" })
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine(
      (s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f),
      "must not contain control characters",
    );

const coordinate = (limit: number) =>
  z
    .number({ error: "must be a number" })
    .min(-limit, `must be between -${limit} and ${limit}`)
    .max(limit, `must be between -${limit} and ${limit}`);

export const StoreLocationSchema = z.strictObject({
  // Mercado Pago takes the street number as text ("3039", "S/N")
  street_number: z.union([z.number().int().nonnegative().transform(String), text(20)]),
  street_name: text(120),
  city_name: text(80),
  state_name: text(80),
  latitude: coordinate(90),
  longitude: coordinate(180),
  reference: text(200).optional(),
});

export const CreateStoreSchema = z.strictObject({
  external_id: StoreIdSchema,
  name: text(100),
  location: StoreLocationSchema,
  // platform mode: the merchant whose Mercado Pago account the store is at; absent: the default
  merchant_id: z.uuid("must be a merchant's id (a UUID)").optional(),
});
export type CreateStoreInput = z.infer<typeof CreateStoreSchema>;

export const CreatePosSchema = z.strictObject({
  external_id: PosIdSchema,
  // Mercado Pago: "less than 45 characters"
  name: text(44),
  // an MCC code valid for the seller's site
  category: z
    .number({ error: "must be a number (an MCC code)" })
    .int("must be an integer (an MCC code)")
    .min(1, "must be a positive MCC code")
    .max(99_999_999, "must be an MCC code of at most 8 digits")
    .optional(),
});
export type CreatePosInput = z.infer<typeof CreatePosSchema>;

export const ListPosQuerySchema = z.strictObject({ store_id: StoreIdSchema.optional() });

/**
 * `PATCH /stores/:store_id`: the store's zone and language; `null` puts one back on the site's
 * default. A zone is an IANA name Intl knows, kept in its canonical spelling.
 */
export const UpdateStoreSchema = z.strictObject({
  time_zone: z
    .string({ error: "must be an IANA time zone such as America/Santiago, or null" })
    .transform((name, ctx) => {
      const zone = canonicalTimeZone(name.trim());
      if (zone === null) {
        ctx.addIssue({
          code: "custom",
          message: "must be an IANA time zone such as America/Santiago",
        });
        return z.NEVER;
      }
      return zone;
    })
    .nullable()
    .optional(),
  locale: z
    .string({ error: `must be one of ${LOCALES.join(", ")}, or null` })
    .refine(isLocale, `must be one of ${LOCALES.join(", ")}`)
    .transform((s) => s as Locale)
    .nullable()
    .optional(),
});
export type UpdateStoreInput = z.infer<typeof UpdateStoreSchema>;
