/**
 * Mercado Pago's seven QR markets and what each means for a store: its currency and how many decimals
 * that currency has at Mercado Pago, the largest sale we accept, the capital's time zone, the default
 * language of its screens, and whether Mercado Pago offers QR through the Orders API there.
 *
 * Sources:
 * - Sites and currencies: the QR attended-model guide lists MLA, MLB, MLC, MCO, MLM, MPE, MLU, and the
 *   currency enum of instore orders is `ARS, BRL, CLP, MXN, COP, PEN, UYU`
 *   (shared/reference/mercadopago-api.md §8.1).
 * - Whole units for CLP and COP: Mercado Pago answers "Prices in COP currency must be expressed with
 *   integer values"; its own WooCommerce plugin rounds COP and CLP to 0 decimals; Odoo patched the same
 *   (odoo/odoo PRs 124162 and 185664). The other five take two decimals ("maximum 2 decimals",
 *   instore orders `unit_price`).
 * - Orders API QR: Mercado Pago documents it for AR, BR, CL, PE and UY; the create response's currency
 *   enum lists BRL, ARS, CLP, UYU and the API has `400 unsupported_site`; Mexico's Orders-based QR guides
 *   cover cash-out only and Colombia's availability is unconfirmed
 *   (shared/reference/mercadopago-orders-api.md 0.12; api-contract v1.2: "today MLM and MCO").
 * - Time zones: the capital's IANA zone (api-contract v1.2, "Country, currency, language, time zone").
 * - Locale: `pt-BR` for Brazil, neutral Latin American Spanish elsewhere (api-contract v1.2).
 * - Caps: Mercado Pago publishes no per-sale maximum for QR; ours is a guard against a mistyped price,
 *   kept at 10 000 000 for ARS and CLP (as before) and set to a similar value (roughly 7 000 to
 *   11 000 US dollars at late-2026 rates) in the other currencies, in whole units of each.
 */

export const SITE_IDS = ["MLA", "MLB", "MLM", "MLC", "MCO", "MPE", "MLU"] as const;
export type SiteId = (typeof SITE_IDS)[number];

export const LOCALES = ["es", "pt-BR", "en"] as const;
export type Locale = (typeof LOCALES)[number];

export interface SiteProfile {
  readonly site: SiteId;
  readonly country: string;
  /** ISO 4217 */
  readonly currency: string;
  /** Decimals Mercado Pago accepts in this currency's amounts: 2, or 0 for whole units. */
  readonly decimals: 0 | 2;
  /** The largest sale total we accept, in whole units of the currency. */
  readonly maxTotal: number;
  /** IANA zone of the capital: a new store's day unless it says otherwise. */
  readonly timeZone: string;
  readonly locale: Locale;
  /** Whether Mercado Pago offers QR through the Orders API (`MP_API=orders`) here. */
  readonly ordersApiQr: boolean;
}

const PROFILES: Record<SiteId, SiteProfile> = {
  MLA: {
    site: "MLA",
    country: "Argentina",
    currency: "ARS",
    decimals: 2,
    maxTotal: 10_000_000,
    timeZone: "America/Argentina/Buenos_Aires",
    locale: "es",
    ordersApiQr: true,
  },
  MLB: {
    site: "MLB",
    country: "Brazil",
    currency: "BRL",
    decimals: 2,
    maxTotal: 50_000,
    timeZone: "America/Sao_Paulo",
    locale: "pt-BR",
    ordersApiQr: true,
  },
  MLM: {
    site: "MLM",
    country: "Mexico",
    currency: "MXN",
    decimals: 2,
    maxTotal: 200_000,
    timeZone: "America/Mexico_City",
    locale: "es",
    ordersApiQr: false,
  },
  MLC: {
    site: "MLC",
    country: "Chile",
    currency: "CLP",
    decimals: 0,
    maxTotal: 10_000_000,
    timeZone: "America/Santiago",
    locale: "es",
    ordersApiQr: true,
  },
  MCO: {
    site: "MCO",
    country: "Colombia",
    currency: "COP",
    decimals: 0,
    maxTotal: 40_000_000,
    timeZone: "America/Bogota",
    locale: "es",
    ordersApiQr: false,
  },
  MPE: {
    site: "MPE",
    country: "Peru",
    currency: "PEN",
    decimals: 2,
    maxTotal: 35_000,
    timeZone: "America/Lima",
    locale: "es",
    ordersApiQr: true,
  },
  MLU: {
    site: "MLU",
    country: "Uruguay",
    currency: "UYU",
    decimals: 2,
    maxTotal: 400_000,
    timeZone: "America/Montevideo",
    locale: "es",
    ordersApiQr: true,
  },
};

export function isSiteId(value: string): value is SiteId {
  return (SITE_IDS as readonly string[]).includes(value);
}

export function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

export function siteProfile(site: SiteId): SiteProfile {
  return PROFILES[site];
}

/** The profile of the site whose currency this is (a sale stores its currency, not its site). */
export function profileOfCurrency(currency: string): SiteProfile | undefined {
  return Object.values(PROFILES).find((p) => p.currency === currency);
}

/**
 * Money is integer cents (hundredths of the currency's unit) inside, for every currency, so one
 * column and one arithmetic serve all seven; a whole-unit currency's amounts are multiples of 100.
 * Whether an amount in cents can be sent to Mercado Pago in this currency.
 */
export function fitsCurrency(cents: number, profile: Pick<SiteProfile, "decimals">): boolean {
  return profile.decimals === 2 || cents % 100 === 0;
}

/** The largest total accepted in this currency, in cents. */
export function maxTotalCents(profile: Pick<SiteProfile, "maxTotal">): number {
  return profile.maxTotal * 100;
}

/**
 * An amount in cents as the Orders API takes it: a string with exactly the currency's decimals
 * ("12.50"; "1500" for CLP and COP, which Mercado Pago refuses with decimals).
 */
export function ordersApiAmount(cents: number, profile: Pick<SiteProfile, "decimals">): string {
  if (profile.decimals === 0) return String(Math.round(cents / 100));
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}
