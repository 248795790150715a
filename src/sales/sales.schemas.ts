import { z } from "zod";
import { toCents } from "./money.ts";

/** Ids that travel into Mercado Pago URL paths: a safe alphabet, bounded. */
const externalId = (max: number) =>
  z
    .string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(/^[A-Za-z0-9_-]+$/, "may contain only letters, digits, '_' and '-'");

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine(hasNoControlCharacters, "must not contain control characters")
    .refine(isWellFormed, "must be valid Unicode text (no lone surrogates)")
    .refine(hasNoBidiControls, "must not contain bidirectional or line-separator controls");

/** C0 and C1 control characters and DEL. */
function hasNoControlCharacters(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
  }
  return true;
}

/** Every surrogate paired: a lone one cannot be stored as JSON in Postgres, nor shown. */
function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/**
 * Bidirectional embeddings, overrides and isolates (they can make a title read backwards on a
 * staff screen), and the line and paragraph separators.
 */
function hasNoBidiControls(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (
      c === 0x2028 ||
      c === 0x2029 ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069)
    )
      return false;
  }
  return true;
}

const MAX_AMOUNT = 99_999_999.99;

const amount = z
  .number({ error: "must be a number" })
  .refine((n) => Number.isFinite(n) && n > 0, "must be greater than 0")
  .refine((n) => n <= MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`)
  .refine((n) => toCents(n) !== null, "must have at most 2 decimals")
  // a positive amount that rounds to no cents (1e-9) would make a free item
  .refine((n) => toCents(n) !== 0, "must be at least 0.01");

export const ExternalReferenceSchema = externalId(64);

export const SaleItemSchema = z.strictObject({
  title: text(256),
  unit_price: amount,
  quantity: z
    .number({ error: "must be a number" })
    .int("must be an integer")
    .positive("must be greater than 0")
    .max(100_000, "must be at most 100000"),
  sku_number: text(64).optional(),
  category: text(64).optional(),
  description: text(256).optional(),
  unit_measure: z.enum(["unit", "pack"]).default("unit"),
});

const TaxSchema = z.strictObject({
  type: z.literal("IVA"),
  value: amount,
});

export const CreateSaleSchema = z
  .strictObject({
    store_id: externalId(60),
    pos_id: externalId(40),
    external_reference: ExternalReferenceSchema.optional(),
    title: text(256).optional(),
    description: text(256).optional(),
    items: z
      .array(SaleItemSchema, { error: "must be a list of items" })
      .min(1, "must have at least 1 item")
      .max(100, "must have at most 100 items"),
    taxes: z.array(TaxSchema).min(1).max(10).optional(),
  })
  .superRefine((sale, ctx) => {
    // the total's cap is the currency's own (sites.ts), checked with the site (sale-currency.ts)
    const total = totalCents(sale.items);
    if (sale.taxes) {
      const taxCents = sale.taxes.reduce((sum, t) => sum + (toCents(t.value) ?? 0), 0);
      if (taxCents >= total) {
        ctx.addIssue({
          code: "custom",
          path: ["taxes"],
          message: "the sum of taxes must be below the sale total",
        });
      }
    }
  });

export type CreateSaleInput = z.infer<typeof CreateSaleSchema>;
export type SaleItemInput = z.infer<typeof SaleItemSchema>;

export function itemCents(item: Pick<SaleItemInput, "unit_price" | "quantity">): number {
  return (toCents(item.unit_price) ?? 0) * item.quantity;
}

/** The sale total, computed by the server in integer cents; clients never send totals. */
export function totalCents(items: Pick<SaleItemInput, "unit_price" | "quantity">[]): number {
  return items.reduce((sum, item) => sum + itemCents(item), 0);
}
