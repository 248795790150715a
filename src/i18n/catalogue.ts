import { isLocale, type Locale, type SiteId } from "../sites.ts";
import { en, type MessageKey, type Messages } from "./en.ts";
import { es } from "./es.ts";
import { ptBR } from "./pt-BR.ts";

export type { MessageKey, Messages };
/** One language's words: every key of the English catalogue. */

/**
 * The words of the dashboard, the customer display and the QR sheet, in each language a store
 * can have (`LOCALES`). The pages' scripts get the same object (`/assets/messages.js`).
 */
export const MESSAGES: Record<Locale, Messages> = { es, "pt-BR": ptBR, en };

export type Vars = Record<string, string | number>;

const PLACEHOLDER = /\{(\w+)\}/g;

/** A message with its `{name}`s filled; a name without a value stays as written. */
export function translate(locale: Locale, key: MessageKey, vars: Vars = {}): string {
  return MESSAGES[locale][key].replace(PLACEHOLDER, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** The `{name}`s a message expects, in order. */
export function placeholdersOf(message: string): string[] {
  return [...message.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** A locale as stored or asked for, else `fallback`. */
export function localeOr(value: string | null | undefined, fallback: Locale): Locale {
  return value && isLocale(value) ? value : fallback;
}

/**
 * The country of each site, for formatting: "es" alone formats ARS as "1234,56 ARS" (Spain's
 * way); "es-AR" as an Argentine reads it, "$ 1.234,56". A language's numbers and dates are
 * written as in the site's country.
 */
export const SITE_REGIONS: Record<SiteId, string> = {
  MLA: "AR",
  MLB: "BR",
  MLM: "MX",
  MLC: "CL",
  MCO: "CO",
  MPE: "PE",
  MLU: "UY",
};

/** The BCP 47 tag Intl formats with: Brazilian Portuguese as is, the others in the site's country. */
export function formattingLocale(locale: Locale, site: SiteId): string {
  return locale === "pt-BR" ? locale : `${locale}-${SITE_REGIONS[site]}`;
}
