// The pages' words and formats: the catalogue (src/i18n/, served as /assets/messages.js), the
// language the page is shown in, and amounts and dates as Intl writes them in that language, in
// the time zone of the store they belong to.
import { MESSAGES } from "./messages.js";

const data = document.body.dataset;
/** What the page was told of the site (src/pages/pages.html.ts, PageSite). */
export const SITE = {
  currency: data.currency,
  decimals: Number(data.decimals),
  defaultLocale: data.defaultLocale in MESSAGES ? data.defaultLocale : "en",
  timeZone: data.timeZone,
  formatting: JSON.parse(data.formatting || "{}"),
  platform: data.platform === "true",
};
export const LOCALES = Object.keys(MESSAGES);

let current = SITE.defaultLocale;
const listeners = [];

export function locale() {
  return current;
}

/** `fn(locale)` runs after every change of language, to show again what the script drew. */
export function onLocale(fn) {
  listeners.push(fn);
}

/** Shows the page in `next` (one of LOCALES): its own words at once, then the listeners'. */
export function setLocale(next) {
  if (!LOCALES.includes(next)) return;
  current = next;
  document.documentElement.lang = next;
  translatePage();
  for (const fn of listeners) fn(next);
}

const PLACEHOLDER = /\{(\w+)\}/g;

export function hasMessage(key) {
  return key in MESSAGES[current];
}

/**
 * A message with its `{name}`s filled in. A key the catalogue lacks shows as itself (the
 * catalogue test fails on one in a script: test/unit/catalogue.test.ts).
 */
export function t(key, vars = {}) {
  const message = MESSAGES[current][key];
  if (message === undefined) return key;
  return message.replace(PLACEHOLDER, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** A message whose `{name}`s may be nodes (a link, a badge): its parts, to append in order. */
export function parts(key, vars = {}) {
  const message = MESSAGES[current][key];
  if (message === undefined) return [key];
  const out = [];
  let last = 0;
  for (const m of message.matchAll(PLACEHOLDER)) {
    out.push(message.slice(last, m.index), m[1] in vars ? vars[m[1]] : m[0]);
    last = m.index + m[0].length;
  }
  out.push(message.slice(last));
  return out.filter((p) => p !== "").map((p) => (typeof p === "number" ? String(p) : p));
}

/**
 * The page's own words in the current language: elements with `data-i18n` (their
 * `data-i18n-strong-<name>` attributes fill `{name}` in bold), attributes listed in
 * `data-i18n-attr` ("placeholder:key,alt:key") and the document's title.
 */
export function translatePage() {
  for (const node of document.querySelectorAll("[data-i18n]")) {
    const vars = {};
    for (const attr of node.attributes) {
      if (!attr.name.startsWith("data-i18n-strong-")) continue;
      const strong = document.createElement("strong");
      strong.textContent = attr.value;
      vars[attr.name.slice("data-i18n-strong-".length)] = strong;
    }
    node.replaceChildren(...parts(node.dataset.i18n, vars));
  }
  for (const node of document.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of node.dataset.i18nAttr.split(",")) {
      const [name, key] = pair.split(":");
      node.setAttribute(name, t(key));
    }
  }
  const title = data.pageTitle;
  if (title) {
    document.title = document.body.classList.contains("dashboard")
      ? t("dashboard.title", { page: t(title) })
      : t(title);
  }
}

// ----- the dashboard's choice of language, kept in this tab ------------------------------------

const LOCALE_SLOT = "mp-qr-pos-locale";

/** The locale of LOCALES a browser language tag ("es-MX", "pt", "en-GB") stands for, if any. */
export function matchLocale(tag) {
  const lower = String(tag || "").toLowerCase();
  const exact = LOCALES.find((l) => l.toLowerCase() === lower);
  if (exact) return exact;
  const language = lower.split("-")[0];
  return LOCALES.find((l) => l.toLowerCase().split("-")[0] === language) || null;
}

/** The language chosen in this tab, else the browser's when it is one of ours, else the site's. */
export function chosenLocale() {
  try {
    const kept = sessionStorage.getItem(LOCALE_SLOT);
    if (kept && LOCALES.includes(kept)) return kept;
  } catch {
    /* storage off: nothing was kept */
  }
  for (const tag of navigator.languages || [navigator.language]) {
    const found = matchLocale(tag);
    if (found) return found;
  }
  return SITE.defaultLocale;
}

/** Fills the language selector, shows the page in the chosen language and keeps a new choice. */
export function languageSelector(select) {
  select.replaceChildren(
    ...LOCALES.map((l) => {
      const option = document.createElement("option");
      option.value = l;
      option.lang = l;
      option.textContent = MESSAGES[l]["locale.name"];
      return option;
    }),
  );
  const start = chosenLocale();
  select.value = start;
  setLocale(start);
  select.addEventListener("change", () => {
    try {
      sessionStorage.setItem(LOCALE_SLOT, select.value);
    } catch {
      /* storage off: the choice lasts as long as the page */
    }
    setLocale(select.value);
  });
}

// ----- amounts and dates --------------------------------------------------------------------

/** The tag Intl writes the current language with here: "es" in Argentina is "es-AR". */
function formatting() {
  return SITE.formatting[current] || current;
}

/** An amount as the current language writes it in `currency` ("$ 1.234,56", "R$ 12,50"). */
export function money(n, currency = SITE.currency) {
  if (typeof n !== "number") return "";
  return new Intl.NumberFormat(formatting(), { style: "currency", currency }).format(n);
}

/** The decimals of a currency's amounts: the site's as Mercado Pago takes them, else Intl's. */
export function currencyDecimals(currency) {
  if (currency === SITE.currency) return SITE.decimals;
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits;
}

/** Whether the current language writes decimals with a comma (its spreadsheets want semicolons). */
export function decimalComma() {
  const part = new Intl.NumberFormat(formatting())
    .formatToParts(1.5)
    .find((p) => p.type === "decimal");
  return !!part && part.value === ",";
}

export function time(iso, timeZone = SITE.timeZone) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(formatting(), {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZone,
  }).format(new Date(iso));
}

export function dateTime(iso, timeZone = SITE.timeZone) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(formatting(), {
    dateStyle: "medium",
    timeStyle: "medium",
    timeZone,
  }).format(new Date(iso));
}

/** Says on the page which zone its times are in: a store's, or the site's when no store is. */
export function labelZone(timeZone, storeName) {
  for (const node of document.querySelectorAll("[data-zone]")) {
    node.textContent = storeName
      ? t("zone.store", { zone: timeZone, store: storeName })
      : t("zone.site", { zone: timeZone });
  }
}

// ----- a store's calendar day ----------------------------------------------------------------

const dayFormats = new Map();
/** The calendar date at `instant` in `timeZone`, as yyyymmdd. */
function dateKey(instant, timeZone) {
  let f = dayFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    dayFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return Number(p.year) * 10000 + Number(p.month) * 100 + Number(p.day);
}

/**
 * The first instant of a local date in `timeZone`: a search around UTC midnight, as the server
 * finds a store's day (src/stores/store-day.ts), so a day whose midnight does not exist (Chile
 * springs forward at 24:00) starts where the clock says.
 */
function startOfDay(y, m, d, timeZone) {
  const target = y * 10000 + m * 100 + d;
  let lo = Date.UTC(y, m - 1, d) - 16 * 3600000;
  let hi = Date.UTC(y, m - 1, d) + 16 * 3600000;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (dateKey(mid, timeZone) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The instants that bound a calendar day ("2026-11-28") in `timeZone`. */
export function dayBounds(day, timeZone = SITE.timeZone) {
  const [y, m, d] = day.split("-").map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return {
    from: new Date(startOfDay(y, m, d, timeZone)).toISOString(),
    to: new Date(
      startOfDay(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone),
    ).toISOString(),
  };
}

/** Today's date ("2026-11-28") in `timeZone`. */
export function today(timeZone = SITE.timeZone) {
  const key = String(dateKey(Date.now(), timeZone));
  return key.slice(0, 4) + "-" + key.slice(4, 6) + "-" + key.slice(6, 8);
}
