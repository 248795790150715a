import { z } from "zod";
import { LOCALES } from "../sites.ts";

/**
 * What the stores routes answer, as zod schemas: the presenters (stores.presenter.ts) are typed
 * by them and the OpenAPI document is generated from them.
 */

const instant = z.string().meta({ format: "date-time" });

export const StoreSchema = z.object({
  external_id: z.string(),
  name: z.string(),
  location: z.object({
    street_number: z.string(),
    street_name: z.string(),
    city_name: z.string(),
    state_name: z.string(),
    latitude: z.number(),
    longitude: z.number(),
    reference: z.string().optional(),
  }),
  mercadopago_store_id: z.string(),
  /** platform mode: the store's merchant; null: the default merchant */
  merchant_id: z.string().nullable(),
  /** the store's own, else the site's capital */
  time_zone: z.string(),
  /** the store's own, else DEFAULT_LOCALE */
  locale: z.enum(LOCALES),
  created_at: instant,
  updated_at: instant,
});

export const PosSchema = z.object({
  external_id: z.string(),
  store_id: z.string(),
  name: z.string(),
  category: z.number().int().nullable(),
  mercadopago_pos_id: z.string(),
  qr: z.object({
    image_url: z.string().nullable(),
    template_document_url: z.string().nullable(),
    template_image_url: z.string().nullable(),
  }),
  links: z.object({ qr_png: z.string(), qr_svg: z.string(), qr_pdf: z.string() }),
  created_at: instant,
  updated_at: instant,
});

export const StoreListSchema = z.object({ data: z.array(StoreSchema) });
export const PosListSchema = z.object({ data: z.array(PosSchema) });

/**
 * `GET /display/:pos_id/info` (src/pages/pages.routes.ts): the two names a display shows, and the
 * language, zone and currency it shows them in.
 */
export const DisplayInfoSchema = z.object({
  pos_id: z.string(),
  pos_name: z.string(),
  store_id: z.string(),
  store_name: z.string(),
  /** the store's own, else DEFAULT_LOCALE: the display's language */
  locale: z.enum(LOCALES),
  /** the store's own, else the site's capital */
  time_zone: z.string(),
  /** ISO 4217, the site's */
  currency: z.string(),
});
export type DisplayInfoBody = z.output<typeof DisplayInfoSchema>;

export type StoreBody = z.output<typeof StoreSchema>;
export type PosBody = z.output<typeof PosSchema>;
