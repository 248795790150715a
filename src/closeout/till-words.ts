import { formattingLocale } from "../i18n/catalogue.ts";
import { profileOfCurrency, type Locale, type SiteId } from "../sites.ts";

/**
 * Amounts and dates as a till prints them: `Intl` in the language of the store and the country
 * of the currency ("es" + ARS → es-AR "$ 1.234,56"; pt-BR "R$ 1.234,56"; CLP and COP in whole
 * pesos, as Mercado Pago takes them), with plain spaces where Intl puts no-break ones (a thermal
 * printer's code page has none). Pure.
 */
export interface TillWords {
  locale: Locale;
  currency: string;
  money(cents: number): string;
  dateTime(at: Date): string;
  date(at: Date): string;
}

const SPACES = /[\u00a0\u202f\u2007]/g;

export function tillWords(opts: {
  locale: Locale;
  currency: string;
  /** the site the service runs as: the country when the currency is none of Mercado Pago's */
  site: SiteId;
  timeZone: string;
}): TillWords {
  const profile = profileOfCurrency(opts.currency);
  const tag = formattingLocale(opts.locale, profile?.site ?? opts.site);
  const decimals = profile?.decimals;
  const money = new Intl.NumberFormat(tag, {
    style: "currency",
    currency: opts.currency,
    ...(decimals === undefined
      ? {}
      : { minimumFractionDigits: decimals, maximumFractionDigits: decimals }),
  });
  const dateTime = new Intl.DateTimeFormat(tag, {
    timeZone: opts.timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const date = new Intl.DateTimeFormat(tag, {
    timeZone: opts.timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  return {
    locale: opts.locale,
    currency: opts.currency,
    // cents are hundredths of the unit for every currency (src/sites.ts): whole pesos are /100
    money: (cents) => money.format(cents / 100).replace(SPACES, " "),
    dateTime: (at) => dateTime.format(at).replace(SPACES, " "),
    date: (at) => date.format(at).replace(SPACES, " "),
  };
}
