import type { Locale } from "../sites.ts";

/** A store's address as Mercado Pago takes it. */
export interface StoreLocation {
  street_number: string;
  street_name: string;
  city_name: string;
  state_name: string;
  latitude: number;
  longitude: number;
  reference?: string;
}

export interface Store {
  externalId: string;
  /** Mercado Pago's id of the store */
  mercadopagoId: string;
  name: string;
  location: StoreLocation;
  requestHash: string;
  /** IANA zone of the store's day, as set with PATCH /stores; null: the site's default */
  timeZone: string | null;
  /** es, pt-BR or en, as set; null: DEFAULT_LOCALE */
  locale: Locale | null;
  /** platform mode: the merchant the store sells for; null: the default merchant */
  merchantId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a store that sets no zone or language of its own gets: from the site (src/sites.ts). */
export interface StoreDefaults {
  timeZone: string;
  locale: Locale;
}

export interface Pos {
  externalId: string;
  storeExternalId: string;
  /** Mercado Pago's numeric id of the POS, as text */
  mercadopagoId: string;
  name: string;
  category: number | null;
  qrImageUrl: string | null;
  qrTemplateDocumentUrl: string | null;
  qrTemplateImageUrl: string | null;
  /** what the POS's QR encodes; null until read from Mercado Pago's image */
  qrContent: string | null;
  requestHash: string;
  createdAt: Date;
  updatedAt: Date;
}
