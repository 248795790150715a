// The day's sales, live: filters, the summary, the list (newest first) and the CSV export. The
// day and the times are a chosen store's, in its zone; with every store, the site's zone.
import { $, api, badge, el, explain, follow, saveBlob, say, signIn } from "./common.js";
import {
  SITE,
  dayBounds,
  decimalComma,
  labelZone,
  languageSelector,
  money,
  onLocale,
  t,
  time,
  today,
} from "./i18n.js";

const STATUSES = ["pending", "paid", "refunded", "cancelled", "expired", "failed"];
let rows = new Map(); // external_reference -> sale
let nextCursor = null;
let stopStream = null;
let streamKey = "";
let summaryTimer = null;
let summary = null; // the last summary read, drawn again in another language
let liveState = "connecting";
const storesById = new Map(); // external_id -> store (its name and time zone)

/** The zone of the page's day: the chosen store's, else the site's. */
function zone() {
  const store = storesById.get($("f-store").value);
  return (store && store.time_zone) || SITE.timeZone;
}

function filters() {
  const day = $("f-date").value || today(zone());
  return {
    day,
    ...dayBounds(day, zone()),
    store_id: $("f-store").value,
    pos_id: $("f-pos").value,
    status: $("f-status").value,
  };
}

function query(f, extra = {}) {
  const q = new URLSearchParams();
  for (const k of ["store_id", "pos_id", "status", "from", "to"]) if (f[k]) q.set(k, f[k]);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

function matches(sale, f) {
  if (f.store_id && sale.store_id !== f.store_id) return false;
  if (f.pos_id && sale.pos_id !== f.pos_id) return false;
  if (f.status && sale.status !== f.status) return false;
  return sale.created_at >= f.from && sale.created_at < f.to;
}

function row(sale) {
  const href = "/dashboard/sales/" + encodeURIComponent(sale.external_reference);
  return el(
    "tr",
    { "data-ref": sale.external_reference, "data-status": sale.status },
    el("td", { "data-label": t("col.time") }, time(sale.created_at, zone())),
    el("td", { "data-label": t("col.reference") }, el("a", { href }, sale.external_reference)),
    el("td", { "data-label": t("col.store_pos") }, sale.store_id + " / " + sale.pos_id),
    el(
      "td",
      { class: "num", "data-label": t("col.amount") },
      money(sale.total_amount, sale.currency),
    ),
    el("td", { "data-label": t("col.status") }, badge(sale.status)),
  );
}

function render() {
  const list = [...rows.values()].sort((a, b) =>
    a.created_at === b.created_at ? 0 : a.created_at < b.created_at ? 1 : -1,
  );
  $("sales").replaceChildren(...list.map(row));
  $("empty").hidden = list.length > 0;
  $("more").hidden = !nextCursor;
}

function renderSummary(s) {
  summary = s;
  const box = $("summary");
  const cards = [
    el(
      "div",
      { class: "stat" },
      el("span", {}, t("summary.count")),
      el("strong", { id: "sum-count" }, s.count),
    ),
  ];
  for (const status of STATUSES) {
    const b = s.by_status[status];
    if (!b) continue;
    cards.push(
      el(
        "div",
        { class: "stat", "data-status": status },
        badge(status),
        el("strong", {}, t("summary.by_status", { count: b.count, amount: money(b.amount) })),
      ),
    );
  }
  cards.push(
    el(
      "div",
      { class: "stat net" },
      el("span", {}, t("summary.net")),
      el(
        "strong",
        { id: "sum-net" },
        money(Math.round((s.paid_amount - s.refunded_amount) * 100) / 100),
      ),
    ),
  );
  box.replaceChildren(...cards);
}

async function loadSummary() {
  const f = filters();
  try {
    const q = new URLSearchParams();
    for (const k of ["store_id", "pos_id", "from", "to"]) if (f[k]) q.set(k, f[k]);
    renderSummary(await api("/sales/summary?" + q));
  } catch (err) {
    say($("message"), explain(err), true);
  }
}
function summarySoon() {
  clearTimeout(summaryTimer);
  summaryTimer = setTimeout(loadSummary, 300);
}

async function load(more = false) {
  const f = filters();
  try {
    const page = await api(
      "/sales?" +
        query(f, more && nextCursor ? { cursor: nextCursor, limit: "100" } : { limit: "100" }),
    );
    if (!more) rows = new Map();
    for (const sale of page.data) rows.set(sale.external_reference, sale);
    nextCursor = page.next_cursor;
    say($("message"), "");
    render();
  } catch (err) {
    say($("message"), explain(err), true);
  }
}

function live() {
  const f = filters();
  const key = query({ store_id: f.store_id, pos_id: f.pos_id });
  if (stopStream && key === streamKey) return;
  if (stopStream) stopStream();
  streamKey = key;
  stopStream = follow("/events" + (key ? "?" + key : ""), {
    onState(s, err) {
      liveState = s;
      showLive();
      if (err) say($("message"), explain(err), true);
    },
    onReopen() {
      load();
      loadSummary();
    },
    onEvent(name, sale) {
      if (name === "resync") {
        load();
        loadSummary();
        return;
      }
      if (name !== "sale") return;
      const current = filters();
      if (matches(sale, current)) rows.set(sale.external_reference, sale);
      else rows.delete(sale.external_reference);
      render();
      summarySoon();
    },
  });
}

function showLive() {
  const state = $("live");
  state.dataset.state = liveState;
  state.textContent = t("live." + liveState);
}

let allPos = []; // every POS, for the POS filter of the chosen store

/** The POS filter offers the chosen store's POS only; a POS of another store is let go. */
function narrowPos() {
  const store = $("f-store").value;
  const select = $("f-pos");
  const chosen = select.value;
  const shown = allPos.filter((p) => !store || p.store_id === store);
  select.replaceChildren(
    el("option", { value: "" }, t(store ? "filter.all_pos_of_store" : "filter.all_pos")),
    ...shown.map((p) =>
      el("option", { value: p.external_id }, p.name + " (" + p.external_id + ")"),
    ),
  );
  select.value = shown.some((p) => p.external_id === chosen) ? chosen : "";
}

async function loadChoices() {
  try {
    const [stores, pos] = await Promise.all([api("/stores"), api("/pos")]);
    for (const s of stores.data) {
      storesById.set(s.external_id, s);
      $("f-store").append(
        el("option", { value: s.external_id }, s.name + " (" + s.external_id + ")"),
      );
    }
    allPos = pos.data;
    narrowPos();
  } catch {
    // a key that may read sales but not stores still sees every sale; the filters stay "All"
  }
}

async function exportCsv() {
  const f = filters();
  try {
    // a spreadsheet in a language with a decimal comma reads semicolons (the API's second format)
    const extra = decimalComma() ? { delimiter: "semicolon" } : {};
    const res = await api("/sales?" + query(f, extra), {
      raw: true,
      headers: { accept: "text/csv" },
    });
    await saveBlob(res, "sales-" + f.day + ".csv");
    say($("message"), t("today.exported"));
  } catch (err) {
    say($("message"), explain(err), true);
  }
}

/** The zone's sentence under the filters: the chosen store's, else the site's. */
function sayZone() {
  const store = storesById.get($("f-store").value);
  labelZone(zone(), store ? store.name : null);
}

function changed() {
  sayZone();
  load();
  loadSummary();
  live();
}

languageSelector($("language"));
onLocale(() => {
  render();
  if (summary) renderSummary(summary);
  narrowPos();
  showLive();
  sayZone();
});
sayZone();
$("f-date").value = today(zone());
$("filters").addEventListener("change", (e) => {
  if (e.target === $("f-store")) narrowPos();
  changed();
});
$("filters").addEventListener("submit", (e) => e.preventDefault());
$("export").addEventListener("click", exportCsv);
$("more").addEventListener("click", () => load(true));

signIn({
  // the summary is staff's: a till's key is told it cannot use the dashboard
  check: (key) => api("/sales/summary?" + new URLSearchParams(dayBounds(today())), { key }),
  start() {
    loadChoices();
    changed();
  },
});
