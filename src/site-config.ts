import {
  isLocale,
  isSiteId,
  LOCALES,
  SITE_IDS,
  siteProfile,
  type Locale,
  type SiteId,
} from "./sites.ts";

/**
 * MP_SITE and DEFAULT_LOCALE (api-contract v1.2, "Country, currency, language, time zone"). The
 * site may only be known once Mercado Pago says whose token this is (`GET /users/me`), so parsing
 * (at config time) and resolving (at boot) are apart; both answer problems in the words
 * `loadConfig` reports, `NAME: what is wrong`.
 */
export interface SiteSettings {
  /** MP_SITE as set; undefined: from the token's site_id, or MLA with the simulator */
  site: SiteId | undefined;
  /** DEFAULT_LOCALE as set; undefined: the site's own (pt-BR for MLB, else es) */
  defaultLocale: Locale | undefined;
}

const trimmed = (v: string | undefined) => (v ?? "").trim();

/** Reads MP_SITE and DEFAULT_LOCALE; an invalid value is a problem naming the variable. */
export function parseSiteSettings(env: NodeJS.ProcessEnv): {
  settings: SiteSettings;
  problems: string[];
} {
  const problems: string[] = [];
  const rawSite = trimmed(env.MP_SITE).toUpperCase();
  const rawLocale = trimmed(env.DEFAULT_LOCALE);
  let site: SiteId | undefined;
  if (rawSite !== "") {
    if (isSiteId(rawSite)) site = rawSite;
    else
      problems.push(`MP_SITE: must be one of ${SITE_IDS.join(", ")} (got ${trimmed(env.MP_SITE)})`);
  }
  let defaultLocale: Locale | undefined;
  if (rawLocale !== "") {
    if (isLocale(rawLocale)) defaultLocale = rawLocale;
    else problems.push(`DEFAULT_LOCALE: must be one of ${LOCALES.join(", ")} (got ${rawLocale})`);
  }
  const api = trimmed(env.MP_API) || "instore_v2";
  if (site && api === "orders") {
    const why = ordersApiProblem(site);
    if (why) problems.push(why);
  }
  return { settings: { site, defaultLocale }, problems };
}

/** MP_API=orders where Mercado Pago offers no QR through the Orders API. */
export function ordersApiProblem(site: SiteId): string | null {
  if (siteProfile(site).ordersApiQr) return null;
  return (
    `MP_API: orders is not offered for QR payments on site ${site} (${siteProfile(site).country}); ` +
    "set MP_API=instore_v2"
  );
}

/** The site the service runs as, and how it was decided. */
export interface ResolvedSite {
  site: SiteId;
  defaultLocale: Locale;
  /** a problem that must stop the boot */
  problem?: string;
  /** why the site is a fallback rather than known (logged as a warning) */
  warning?: string;
}

/**
 * The site from MP_SITE and what Mercado Pago said of the token. `tokenSite`: the `site_id` of
 * `GET /users/me`; null when it was not asked (MP_VERIFY_CREDENTIALS false), not answered, or
 * the answer had none. With the simulator there is no token: MP_SITE, else MLA.
 */
export function resolveSite(
  settings: SiteSettings,
  opts: { live: boolean; tokenSite: string | null; api: "instore_v2" | "orders" },
): ResolvedSite {
  const withLocale = (site: SiteId, extra: Partial<ResolvedSite> = {}): ResolvedSite => {
    const resolved = {
      site,
      defaultLocale: settings.defaultLocale ?? siteProfile(site).locale,
      ...extra,
    };
    const orders = opts.api === "orders" ? ordersApiProblem(site) : null;
    return orders && !resolved.problem ? { ...resolved, problem: orders } : resolved;
  };
  const token = opts.tokenSite?.trim().toUpperCase() || null;
  if (opts.live && token !== null) {
    if (!isSiteId(token)) {
      return withLocale(settings.site ?? "MLA", {
        problem:
          `MP_ACCESS_TOKEN: belongs to a seller of site ${token}, which has no QR payments here ` +
          `(sites: ${SITE_IDS.join(", ")})`,
      });
    }
    if (settings.site && settings.site !== token) {
      return withLocale(settings.site, {
        problem:
          `MP_SITE: is ${settings.site} but MP_ACCESS_TOKEN belongs to a seller of site ${token}; ` +
          `set MP_SITE=${token} (or leave it unset) or use a token of site ${settings.site}`,
      });
    }
    return withLocale(token);
  }
  if (settings.site) return withLocale(settings.site);
  if (!opts.live) return withLocale("MLA");
  return withLocale("MLA", {
    warning:
      "the seller's site is unknown (MP_SITE unset and GET /users/me not checked or without a " +
      "site_id): running as MLA (Argentina, ARS); set MP_SITE to the token's site",
  });
}
