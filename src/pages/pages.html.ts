// The pages' HTML: plain shells that hold no data (every figure is read with the signed-in key
// by the page's script, a file under public/). Nothing here is inline script or inline style.
// Every word comes from the catalogue (src/i18n/): an element that shows one carries its key
// (`data-i18n`, `data-i18n-attr`), so the script can put the page in another language.

import { translate, type MessageKey } from "../i18n/catalogue.ts";
import type { Locale } from "../sites.ts";

export type DashboardPage = "today" | "sale" | "stores" | "close" | "webhooks";

export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * What the pages' scripts need of the site, on `<body>` as data attributes: the currency of
 * amounts (a sale may name its own), the country their numbers and dates are written for, the
 * language when nothing else decides it and the zone of a day that is no store's.
 */
export interface PageSite {
  site: string;
  currency: string;
  decimals: number;
  /** the tag Intl formats each language with here ("es" → "es-AR" on MLA) */
  formatting: Record<string, string>;
  defaultLocale: Locale;
  timeZone: string;
  /** platform mode: the stores page lists the merchants (GET /merchants is served) */
  platform?: boolean;
}

function siteAttributes(site: PageSite): string {
  return [
    `data-site="${escapeHtml(site.site)}"`,
    `data-currency="${escapeHtml(site.currency)}"`,
    `data-decimals="${site.decimals}"`,
    `data-formatting="${escapeHtml(JSON.stringify(site.formatting))}"`,
    `data-default-locale="${escapeHtml(site.defaultLocale)}"`,
    `data-time-zone="${escapeHtml(site.timeZone)}"`,
    `data-platform="${site.platform ? "true" : "false"}"`,
  ].join(" ");
}

/** The words of one language, as HTML. */
function words(locale: Locale) {
  const t = (key: MessageKey) => escapeHtml(translate(locale, key));
  return {
    t,
    /** an element whose whole text is one message */
    tag: (name: string, key: MessageKey, attrs = "") =>
      `<${name} data-i18n="${key}"${attrs ? ` ${attrs}` : ""}>${t(key)}</${name}>`,
    /** attributes shown to a person (placeholder, alt), each with its key */
    attrs: (pairs: Record<string, MessageKey>) =>
      Object.entries(pairs)
        .map(([name, key]) => `${name}="${t(key)}"`)
        .concat(
          `data-i18n-attr="${Object.entries(pairs)
            .map(([name, key]) => `${name}:${key}`)
            .join(",")}"`,
        )
        .join(" "),
  };
}

function head(locale: Locale, title: string, sheet?: string): string {
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/pages.css">${
    sheet ? `\n<link rel="stylesheet" href="/assets/${sheet}">` : ""
  }
</head>`;
}

function signIn(locale: Locale, hint: MessageKey, extra = ""): string {
  const { tag, t } = words(locale);
  return `
<section id="signin" class="card narrow" hidden>
  ${tag("h1", "signin.title")}${extra}
  <form id="signin-form">
    ${tag("label", "signin.key", 'for="signin-key"')}
    <input id="signin-key" name="key" type="password" autocomplete="off" required>
    ${tag("p", hint, 'class="muted"')}
    <button type="submit" class="primary" data-i18n="signin.submit">${t("signin.submit")}</button>
    <p id="signin-error" class="error" role="alert"></p>
  </form>
</section>`;
}

const STATUSES = ["pending", "paid", "refunded", "cancelled", "expired", "failed"] as const;

function today(locale: Locale): string {
  const { tag, t } = words(locale);
  const label = (key: MessageKey, control: string) =>
    `<label>${tag("span", key)} ${control}</label>`;
  const option = (value: string, key: MessageKey) =>
    `<option value="${value}" data-i18n="${key}">${t(key)}</option>`;
  return `
<section class="card">
  <h1>${tag("span", "today.heading")} ${tag("span", "live.connecting", 'id="live" class="live" role="status"')}</h1>
  <form id="filters" class="filters">
    ${label("filter.date", '<input id="f-date" name="date" type="date" required>')}
    ${label("filter.store", `<select id="f-store" name="store_id">${option("", "filter.all_stores")}</select>`)}
    ${label("filter.pos", `<select id="f-pos" name="pos_id">${option("", "filter.all_pos")}</select>`)}
    ${label(
      "filter.status",
      `<select id="f-status" name="status">
      ${option("", "filter.any_status")}${STATUSES.map((s) => option(s, `sale_status.${s}`)).join("")}</select>`,
    )}
    ${tag("button", "today.export", 'id="export" type="button"')}
  </form>
  <p class="muted zone" data-zone></p>
</section>
<section class="card">
  ${tag("h2", "today.summary")}
  <div id="summary" class="summary"></div>
</section>
<section class="card">
  ${tag("h2", "today.list")}
  <p id="message" role="status"></p>
  <table class="sales">
    <thead><tr>${tag("th", "col.time")}${tag("th", "col.reference")}${tag("th", "col.store_pos")}${tag("th", "col.amount", 'class="num"')}${tag("th", "col.status")}</tr></thead>
    <tbody id="sales"></tbody>
  </table>
  ${tag("p", "today.empty", 'id="empty" class="muted" hidden')}
  ${tag("button", "today.more", 'id="more" type="button" hidden')}
</section>`;
}

function sale(locale: Locale): string {
  const { tag } = words(locale);
  return `
<section class="card">
  <p>${tag("a", "sale.back", 'href="/dashboard"')}</p>
  <h1>${tag("span", "sale.title")} <span id="ref"></span> <span id="status" class="badge"></span></h1>
  <p id="message" role="status"></p>
  <div id="amounts" class="summary"></div>
  <div class="actions">
    ${tag("button", "sale.recheck", 'id="recheck" type="button"')}
    ${tag("button", "sale.cancel", 'id="cancel" type="button" hidden')}
    ${tag("button", "sale.refund", 'id="refund" type="button" hidden')}
    ${tag("button", "receipt.print", 'id="receipt" type="button" hidden')}
  </div>
  <p class="muted zone" data-zone></p>
</section>
<section class="card">
  ${tag("h2", "sale.items")}
  <table><thead><tr>${tag("th", "col.item")}${tag("th", "col.qty", 'class="num"')}${tag("th", "col.price", 'class="num"')}${tag("th", "col.total", 'class="num"')}</tr></thead>
  <tbody id="items"></tbody></table>
  ${tag("h2", "sale.payments")}
  <table><thead><tr>${tag("th", "col.payment")}${tag("th", "col.status")}${tag("th", "col.amount", 'class="num"')}${tag("th", "col.method")}${tag("th", "col.authorization")}${tag("th", "col.fee", 'class="num"')}${tag("th", "col.net", 'class="num"')}${tag("th", "col.release")}</tr></thead>
  <tbody id="payments"></tbody></table>
  ${tag("p", "sale.no_payments", 'id="no-payments" class="muted" hidden')}
</section>
<section class="card">
  ${tag("h2", "sale.history")}
  <ol id="timeline" class="timeline"></ol>
</section>
<section class="card" id="notifications" hidden>
  ${tag("h2", "sale.notifications")}
  ${tag("h3", "sale.inbound")}
  <table><thead><tr>${tag("th", "col.time")}${tag("th", "col.topic")}${tag("th", "col.resource")}${tag("th", "col.signature")}${tag("th", "col.read")}</tr></thead>
  <tbody id="inbound"></tbody></table>
  ${tag("p", "sale.no_inbound", 'id="no-inbound" class="muted" hidden')}
  ${tag("h3", "sale.outbound")}
  <table><thead><tr>${tag("th", "col.time")}${tag("th", "col.event")}${tag("th", "col.url")}${tag("th", "col.answer")}${tag("th", "col.latency", 'class="num"')}${tag("th", "col.error")}</tr></thead>
  <tbody id="outbound"></tbody></table>
  ${tag("p", "sale.no_outbound", 'id="no-outbound" class="muted" hidden')}
</section>
<section class="card">
  ${tag("h2", "sale.details")}
  <dl id="fields" class="fields"></dl>
</section>
<dialog id="confirm">
  <form method="dialog" id="confirm-form">
    <h2 id="confirm-title"></h2>
    <div id="confirm-body"></div>
    <div class="actions">
      ${tag("button", "dialog.back", 'value="cancel" type="submit" id="confirm-no"')}
      ${tag("button", "dialog.confirm", 'value="ok" type="submit" class="primary" id="confirm-yes"')}
    </div>
  </form>
</dialog>`;
}

function stores(locale: Locale): string {
  const { tag, attrs } = words(locale);
  const field = (key: MessageKey, input: string) => `<label>${tag("span", key)} ${input}</label>`;
  return `
<section class="card">
  ${tag("h1", "stores.title")}
  <p id="message" role="status"></p>
  <div id="stores"></div>
  ${tag("p", "stores.none", 'id="no-stores" class="muted" hidden')}
</section>
<section class="card" id="merchants-card" hidden>
  ${tag("h2", "merchants.title")}
  ${tag("p", "merchants.hint", 'class="muted"')}
  <table><tbody id="merchants"></tbody></table>
</section>
<section class="card forms">
  <form id="new-store">
    ${tag("h2", "store.new")}
    ${tag("p", "store.new_hint", 'class="muted"')}
    ${field("form.id", `<input name="external_id" required pattern="[A-Za-z0-9]{1,60}" ${attrs({ placeholder: "example.store_id" })}>`)}
    ${field("form.name", `<input name="name" required ${attrs({ placeholder: "example.store_name" })}>`)}
    ${field("form.street", '<input name="street_name" required>')}
    ${field("form.number", '<input name="street_number" required>')}
    ${field("form.city", '<input name="city_name" required>')}
    ${field("form.state", '<input name="state_name" required>')}
    ${field("form.latitude", `<input name="latitude" required inputmode="decimal" ${attrs({ placeholder: "example.latitude" })}>`)}
    ${field("form.longitude", `<input name="longitude" required inputmode="decimal" ${attrs({ placeholder: "example.longitude" })}>`)}
    ${tag("button", "store.create", 'type="submit" class="primary"')}
  </form>
  <form id="new-pos">
    ${tag("h2", "pos.new")}
    ${tag("p", "pos.new_hint", 'class="muted"')}
    ${field("form.store", '<select name="store_id" id="pos-store" required></select>')}
    ${field("form.id", `<input name="external_id" required pattern="[A-Za-z0-9]{1,40}" ${attrs({ placeholder: "example.pos_id" })}>`)}
    ${field("form.name", `<input name="name" required ${attrs({ placeholder: "example.pos_name" })}>`)}
    ${tag("button", "pos.create", 'type="submit" class="primary"')}
  </form>
</section>`;
}

/** The day close of one store: its figures, per method and POS, disputes, and the check. */
function close(locale: Locale): string {
  const { tag } = words(locale);
  const label = (key: MessageKey, control: string) =>
    `<label>${tag("span", key)} ${control}</label>`;
  const th = (key: MessageKey, num = false) => tag("th", key, num ? 'class="num"' : "");
  return `
<section class="card">
  ${tag("h1", "close.title")}
  <form id="filters" class="filters">
    ${label("filter.store", '<select id="c-store" name="store_id" required></select>')}
    ${label("filter.date", '<input id="c-date" name="date" type="date" required>')}
    ${label("filter.pos", `<select id="c-pos" name="pos_id">${tag("option", "filter.all_pos", 'value=""')}</select>`)}
    ${tag("button", "close.csv", 'id="c-csv" type="button"')}
    ${tag("button", "close.pdf", 'id="c-pdf" type="button"')}
  </form>
  <p class="muted zone" data-zone></p>
  <p id="message" role="status"></p>
  ${tag("p", "close.choose_store", 'id="no-store" class="muted" hidden')}
</section>
<section class="card">
  <div id="figures" class="summary"></div>
  ${tag("p", "close.empty", 'id="c-empty" class="muted" hidden')}
</section>
<section class="card">
  ${tag("h2", "close.by_method")}
  <table><thead><tr>${th("col.payment")}${th("summary.count", true)}${th("col.amount", true)}</tr></thead>
  <tbody id="by-method"></tbody></table>
  ${tag("h2", "close.by_pos")}
  <table><thead><tr>${th("field.pos_id")}${th("summary.count", true)}${th("close.gross", true)}${th("close.fees", true)}${th("close.net", true)}${th("amount.refunded", true)}</tr></thead>
  <tbody id="by-pos"></tbody></table>
  ${tag("h2", "close.by_status")}
  <div id="by-status" class="summary"></div>
</section>
<section class="card">
  ${tag("h2", "close.disputes")}
  <ul id="disputes"></ul>
  ${tag("p", "close.no_disputes", 'id="no-disputes" class="muted" hidden')}
  ${tag("h2", "close.reconciliation")}
  <p id="reconciliation"></p>
  <ul id="discrepancies"></ul>
</section>`;
}

function webhooks(locale: Locale): string {
  const { tag } = words(locale);
  return `
<section class="card">
  ${tag("h1", "webhooks.title")}
  <p id="message" role="status"></p>
  ${tag("h2", "webhooks.endpoints")}
  <table><thead><tr>${tag("th", "col.url")}${tag("th", "col.events")}${tag("th", "col.status")}</tr></thead>
  <tbody id="endpoints"></tbody></table>
  ${tag("p", "webhooks.no_endpoints", 'id="no-endpoints" class="muted" hidden')}
</section>
<section class="card">
  ${tag("h2", "webhooks.deliveries")}
  <table><thead><tr>${tag("th", "col.time")}${tag("th", "col.event")}${tag("th", "col.reference")}${tag("th", "col.status")}${tag("th", "col.answer", 'class="num"')}${tag("th", "col.latency", 'class="num"')}${tag("th", "col.error")}${tag("th", "col.action")}</tr></thead>
  <tbody id="deliveries"></tbody></table>
  ${tag("p", "webhooks.no_deliveries", 'id="no-deliveries" class="muted" hidden')}
</section>`;
}

const BODIES: Record<
  DashboardPage,
  { title: MessageKey; body: (locale: Locale) => string; script: string }
> = {
  today: { title: "today.title", body: today, script: "dashboard-today.js" },
  sale: { title: "sale.title", body: sale, script: "dashboard-sale.js" },
  stores: { title: "stores.title", body: stores, script: "dashboard-stores.js" },
  close: { title: "close.title", body: close, script: "dashboard-close.js" },
  webhooks: { title: "webhooks.title", body: webhooks, script: "dashboard-webhooks.js" },
};

/**
 * A dashboard page in `locale` (the site's default): its script then shows it in the language
 * the user chose, else the browser's.
 */
export function renderDashboard(page: DashboardPage, site: PageSite): string {
  const locale = site.defaultLocale;
  const { tag, t } = words(locale);
  const { title, body, script } = BODIES[page];
  const link = (href: string, key: MessageKey, current: boolean) =>
    tag("a", key, `href="${href}"${current ? ' aria-current="page"' : ""}`);
  const pageTitle = translate(locale, "dashboard.title", { page: translate(locale, title) });
  return `${head(locale, pageTitle)}
<body class="dashboard" data-page-title="${title}" ${siteAttributes(site)}>
<header class="bar">
  ${tag("strong", "dashboard.brand")}
  <nav>${link("/dashboard", "nav.today", page === "today")}
  ${link("/dashboard/stores", "nav.stores", page === "stores")}
  ${link("/dashboard/close", "nav.close", page === "close")}
  ${link("/dashboard/webhooks", "nav.webhooks", page === "webhooks")}</nav>
  <label class="language">${tag("span", "language.label")} <select id="language"></select></label>
  <button id="signout" type="button" hidden data-i18n="signout.button">${t("signout.button")}</button>
</header>
<main>${signIn(locale, "signin.hint_dashboard")}
<div id="app" hidden>${body(locale)}
</div>
</main>
<script type="module" src="/assets/${script}"></script>
</body>
</html>
`;
}

/**
 * The customer display, first in the site's default language; once signed in, its script
 * shows it in its store's.
 */
export function renderDisplay(posId: string, site: PageSite): string {
  const locale = site.defaultLocale;
  const { tag, t, attrs } = words(locale);
  const id = escapeHtml(posId);
  // the till's id in bold inside the sentence; the script fills it the same way
  const forTill = escapeHtml(translate(locale, "display.signin_for")).replace(
    "{pos}",
    () => `<strong>${id}</strong>`,
  );
  const signInFor = `\n  <p data-i18n="display.signin_for" data-i18n-strong-pos="${id}">${forTill}</p>`;
  return `${head(locale, translate(locale, "display.title"), "display.css")}
<body class="display" data-pos="${id}" data-page-title="display.title" ${siteAttributes(site)}>
<main>${signIn(locale, "signin.hint_display", signInFor)}
<div id="screen" hidden>
  <section id="idle" class="state">
    <p id="store-name" class="huge"></p>
    <p id="pos-name" class="big muted"></p>
  </section>
  <section id="pending" class="state" hidden>
    ${tag("p", "display.to_pay", 'class="big"')}
    <p id="amount" class="huge"></p>
    <img id="qr" ${attrs({ alt: "display.qr_alt" })}>
    ${tag("p", "display.scan", 'class="big"')}
  </section>
  <section id="in-process" class="state in-process" role="status" hidden>
    ${tag("p", "display.in_process", 'class="huge"')}
    <p id="in-process-amount" class="big"></p>
    ${tag("p", "display.in_process_wait", 'class="big"')}
  </section>
  <section id="paid" class="state paid" hidden>
    ${tag("p", "display.paid", 'class="huge"')}
    <p id="paid-amount" class="big"></p>
  </section>
  <section id="problem" class="state problem" role="alert" hidden>
    ${tag("p", "display.not_ready", 'class="huge"')}
    <p id="problem-text" class="big"></p>
    ${tag("button", "display.signin_again", 'id="problem-signin" type="button" class="primary"')}
  </section>
</div>
<p id="connection" class="connection" role="status"></p>
<button id="signout" type="button" class="corner" hidden data-i18n="signout.button">${t("signout.button")}</button>
</main>
<script type="module" src="/assets/display.js"></script>
</body>
</html>
`;
}
