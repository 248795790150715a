// One sale: everything the API returns, its history, and re-check / cancel / refund. Its amounts
// are in its currency, its times in its store's zone.
import { $, api, badge, el, explain, follow, saveBlob, say, signIn } from "./common.js";
import {
  SITE,
  currencyDecimals,
  dateTime,
  hasMessage,
  labelZone,
  languageSelector,
  locale,
  money,
  onLocale,
  t,
} from "./i18n.js";
import { paymentRows } from "./sale-payments.js";

const ref = decodeURIComponent(location.pathname.split("/").pop() || "");
const path = "/orders/" + encodeURIComponent(ref);
let sale = null;
let lastEvents = null;
let busy = false;
let storeZone = null; // the sale's store's zone and name, once read
let storeName = null;

const zone = () => storeZone || SITE.timeZone;
/** An amount of this sale, in its currency (a sale made before currencies were kept: the site's). */
const amount = (n) => money(n, (sale && sale.currency) || SITE.currency);

const SHOWN_ELSEWHERE = new Set([
  "items",
  "payments",
  "events",
  "refunds",
  "taxes",
  "notifications",
]);

function label(key) {
  return hasMessage("field." + key) ? t("field." + key) : key;
}

function value(key, v) {
  if (v === null || v === undefined) return "—";
  if (key === "dispute" && typeof v === "object") {
    const date = v.opened_at ? dateTime(v.opened_at, zone()) : "—";
    return t("dispute.text", { amount: amount(v.amount), status: v.status, date });
  }
  if (key.endsWith("_at")) return dateTime(v, zone());
  if (key.endsWith("_amount")) return amount(v);
  if (key === "status" && hasMessage("sale_status." + v)) return t("sale_status." + v);
  if (typeof v === "boolean") return t(v ? "value.yes" : "value.no");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** What is left to give back: paid, less refunded, less what the customer's bank charged back. */
function remaining(s) {
  const disputed = s.dispute ? s.dispute.amount : 0;
  return Math.round((s.paid_amount - s.refunded_amount - disputed) * 100) / 100;
}

/**
 * An event's detail ({ refunded_cents: 500, order_id: "ORD1" }) as "refunded $ 5,00 · order id
 * ORD1": the amounts in words, other fields as the API names them (they are data, not prose).
 */
function detailWords(detail) {
  if (typeof detail !== "object") return String(detail);
  return Object.entries(detail)
    .map(([k, v]) => {
      if (k === "refunded_cents" && typeof v === "number")
        return t("detail.refunded", { amount: amount(v / 100) });
      if (k === "amount" && typeof v === "number") return k + " " + amount(v);
      if (k.endsWith("_cents") && typeof v === "number")
        return k.slice(0, -6).replaceAll("_", " ") + " " + amount(v / 100);
      return k.replaceAll("_", " ") + " " + (typeof v === "object" ? JSON.stringify(v) : String(v));
    })
    .join(" · ");
}

function sourceWords(source) {
  return hasMessage("source." + source) ? t("source." + source) : source;
}

/** A status change of the sale's audit trail. */
function statusEntry(e) {
  return {
    at: e.at,
    node: el(
      "li",
      { "data-to": e.to },
      el("time", { datetime: e.at }, dateTime(e.at, zone())),
      " ",
      e.from ? badge(e.from) : null,
      e.from ? " → " : null,
      badge(e.to),
      el(
        "span",
        { class: "muted" },
        " " +
          (e.merchant_order_id
            ? t("event.by_order", { source: sourceWords(e.source), order: e.merchant_order_id })
            : t("event.by", { source: sourceWords(e.source) })),
      ),
      e.detail ? el("div", { class: "muted" }, detailWords(e.detail)) : null,
    ),
  };
}

/**
 * A refund: asked at created_at; then processing, done or failed at updated_at (a partial one
 * changes no status of the sale).
 */
function refundEntries(r) {
  const line = (at, state, words, extra) => ({
    at,
    node: el(
      "li",
      { "data-refund": state, class: "refund" },
      el("time", { datetime: at }, dateTime(at, zone())),
      " ",
      el(
        "span",
        { class: "badge refund-" + state },
        t("refund.badge", { status: t("refund_status." + state) }),
      ),
      " " + words,
      extra ? el("div", { class: "muted" }, extra) : null,
    ),
  });
  const waiting = r.status === "requested" || r.status === "processing";
  const asked = line(
    r.created_at,
    "requested",
    t("refund.asked", { amount: amount(r.amount) }),
    waiting ? t("refund.waiting") : null,
  );
  if (r.status === "processing") {
    return [
      asked,
      line(r.updated_at, "processing", t("refund.in_progress", { amount: amount(r.amount) })),
    ];
  }
  if (r.status === "done") {
    const partly = r.refunded_amount < r.amount;
    return [
      asked,
      line(
        r.updated_at,
        "done",
        partly
          ? t("refund.given_of", { amount: amount(r.refunded_amount), asked: amount(r.amount) })
          : t("refund.given", { amount: amount(r.refunded_amount) }),
      ),
    ];
  }
  if (r.status === "failed") {
    return [
      asked,
      line(
        r.updated_at,
        "failed",
        t("refund.none_given", { amount: amount(r.amount) }),
        r.failure ? r.failure.message : null,
      ),
    ];
  }
  return [asked];
}

const when = (iso) => (iso ? dateTime(iso, zone()) : "—");

/** What a Mercado Pago notification's x-signature said. */
function signatureWord(valid) {
  if (valid === true) return t("notification.signature_valid");
  if (valid === false) return t("notification.signature_mismatch");
  return t("notification.signature_none");
}

/** What reading a notification's resource at Mercado Pago found. */
function readWord(n) {
  if (n.error) return t("notification.read_error", { error: n.error });
  if (!n.processed_at && !n.outcome) return t("notification.read_pending");
  if (n.outcome === "not_found" || n.outcome === "not_ours") return t("notification.read_nothing");
  const status = hasMessage("sale_status." + n.outcome) ? t("sale_status." + n.outcome) : n.outcome;
  return t("notification.read_sale") + " · " + status;
}

/** The notifications both ways (full and staff keys; a POS key's answer has none). */
function renderNotifications(told) {
  $("notifications").hidden = !told;
  if (!told) return;
  $("inbound").replaceChildren(
    ...told.inbound.map((n) =>
      el(
        "tr",
        { "data-topic": n.topic },
        el("td", { "data-label": t("col.time") }, when(n.received_at)),
        el("td", { "data-label": t("col.topic") }, n.topic),
        el("td", { "data-label": t("col.resource") }, n.resource_id),
        el("td", { "data-label": t("col.signature") }, signatureWord(n.signature_valid)),
        el("td", { "data-label": t("col.read") }, readWord(n)),
      ),
    ),
  );
  $("no-inbound").hidden = told.inbound.length > 0;
  $("outbound").replaceChildren(
    ...told.outbound.map((a) =>
      el(
        "tr",
        { "data-event": a.event_type },
        el("td", { "data-label": t("col.time") }, when(a.at)),
        el("td", { "data-label": t("col.event") }, a.event_type),
        el("td", { "data-label": t("col.url") }, a.endpoint_url),
        el(
          "td",
          { "data-label": t("col.answer") },
          a.status_code === null ? t("webhooks." + a.delivery_status) : String(a.status_code),
        ),
        el(
          "td",
          { class: "num", "data-label": t("col.latency") },
          a.latency_ms === null ? "—" : t("webhooks.latency", { ms: a.latency_ms }),
        ),
        el("td", { "data-label": t("col.error") }, a.error || ""),
      ),
    ),
  );
  $("no-outbound").hidden = told.outbound.length > 0;
}

/** Status changes and refunds, oldest first. */
function history(events, refunds) {
  const entries = [...events.map(statusEntry), ...refunds.flatMap(refundEntries)];
  entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return entries.map((e) => e.node);
}

function render(s, events) {
  sale = s;
  if (events) lastEvents = events;
  $("ref").textContent = s.external_reference;
  const status = $("status");
  status.className = "badge " + s.status;
  status.dataset.status = s.status;
  status.textContent = hasMessage("sale_status." + s.status)
    ? t("sale_status." + s.status)
    : s.status;
  $("amounts").replaceChildren(
    ...[
      ["amount.total", s.total_amount],
      ["amount.paid", s.paid_amount],
      ["amount.refunded", s.refunded_amount],
    ].map(([key, n]) =>
      el("div", { class: "stat" }, el("span", {}, t(key)), el("strong", {}, amount(n))),
    ),
  );
  // every field the API gives, known or not (a newer service may add some)
  const fields = [];
  for (const [key, v] of Object.entries(s)) {
    if (SHOWN_ELSEWHERE.has(key)) continue;
    fields.push(el("dt", {}, label(key)), el("dd", { "data-field": key }, value(key, v)));
  }
  for (const tax of s.taxes || [])
    fields.push(el("dt", {}, t("field.tax", { type: tax.type })), el("dd", {}, amount(tax.value)));
  $("fields").replaceChildren(...fields);
  $("items").replaceChildren(
    ...s.items.map((i) =>
      el(
        "tr",
        {},
        el("td", { "data-label": t("col.item") }, i.title),
        el("td", { class: "num", "data-label": t("col.qty") }, i.quantity),
        el("td", { class: "num", "data-label": t("col.price") }, amount(i.unit_price)),
        el("td", { class: "num", "data-label": t("col.total") }, amount(i.total_amount)),
      ),
    ),
  );
  $("payments").replaceChildren(...paymentRows(s.payments, { amount, zone: zone() }));
  $("no-payments").hidden = s.payments.length > 0;
  if (events) $("timeline").replaceChildren(...history(events, s.refunds || []));
  if (events) renderNotifications(s.notifications);
  $("cancel").hidden = s.status !== "pending";
  $("refund").hidden = !(s.status === "paid" && remaining(s) > 0);
  // a paid sale has a receipt; a refunded one too (it was paid, and shows what went back)
  $("receipt").hidden = !(s.status === "paid" || s.status === "refunded");
  for (const id of ["recheck", "cancel", "refund", "receipt"]) $(id).disabled = busy;
}

/** The zone of the sale's store, for its times; a key that may not read stores keeps the site's. */
async function loadStore(storeId) {
  if (storeZone) return;
  try {
    const store = await api("/stores/" + encodeURIComponent(storeId));
    storeZone = store.time_zone || null;
    storeName = store.name;
  } catch {
    // a store not registered here, or a key that may not read it: the site's zone, said so
  }
  labelZone(zone(), storeZone ? storeName : null);
}

async function load() {
  try {
    const s = await api(path + "?include=events");
    await loadStore(s.store_id);
    render(s, s.events);
  } catch (err) {
    say($("message"), explain(err), true);
  }
}

async function act(doing, call, done) {
  busy = true;
  render(sale);
  say($("message"), t("sale.working", { action: doing }));
  try {
    await call();
    say($("message"), done);
  } catch (err) {
    say($("message"), explain(err), true);
  }
  busy = false;
  await load();
}

/** Asks in a dialog; resolves true when confirmed. `body` is a node (a form for the refund). */
function confirmWith(title, body, yes) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-body").replaceChildren(body);
  $("confirm-yes").textContent = yes;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

async function cancelSale() {
  const ok = await confirmWith(
    t("cancel.title"),
    el("p", {}, t("cancel.body", { amount: amount(sale.total_amount), pos: sale.pos_id })),
    t("cancel.yes"),
  );
  if (ok) await act(t("cancel.doing"), () => api(path, { method: "DELETE" }), t("cancel.done"));
}

async function refundSale() {
  const max = remaining(sale);
  // the smallest amount the currency has: a cent, or a whole peso in Chile and Colombia
  const decimals = currencyDecimals(sale.currency || SITE.currency);
  const least = decimals === 0 ? 1 : 0.01;
  const input = el("input", {
    id: "refund-amount",
    type: "number",
    min: String(least),
    max: String(max),
    step: String(least),
    value: String(max),
    required: true,
    inputmode: decimals === 0 ? "numeric" : "decimal",
  });
  const note = el("p", { id: "refund-note", class: "big" });
  const range = () => ({ min: amount(least), max: amount(max) });
  const update = () => {
    const n = Number(input.value);
    note.textContent =
      n > 0 && n <= max
        ? n === max
          ? t("refund.all", { amount: amount(n) })
          : t("refund.part", { amount: amount(n), max: amount(max) })
        : t("refund.range", range());
  };
  input.addEventListener("input", update);
  update();
  const body = el(
    "div",
    {},
    el("label", { for: "refund-amount" }, t("refund.amount")),
    input,
    note,
  );
  const ok = await confirmWith(t("refund.title"), body, t("refund.yes"));
  if (!ok) return;
  const n = Math.round(Number(input.value) * 100) / 100;
  if (!(n > 0 && n <= max)) {
    say($("message"), t("refund.refused", range()), true);
    return;
  }
  // the whole remainder is sent as {} so a refund made meanwhile elsewhere cannot be exceeded
  const request = n === max ? {} : { amount: n };
  const key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now());
  await act(
    t("refund.doing", { amount: amount(n) }),
    () =>
      api(path + "/refund", { method: "POST", body: request, headers: { "idempotency-key": key } }),
    t("refund.done", { amount: amount(n) }),
  );
}

/**
 * The 80 mm receipt as a PDF, in the page's language, opened for printing: the window is opened
 * at the tap (a window opened after the fetch would be blocked) and shown the PDF once read; a
 * browser that opens none saves the file.
 */
async function printReceipt() {
  const win = window.open("", "_blank");
  say($("message"), t("sale.working", { action: t("receipt.printing") }));
  try {
    const res = await api(path + "/receipt?locale=" + encodeURIComponent(locale()), {
      raw: true,
      headers: { accept: "application/pdf" },
    });
    if (win) {
      win.location.href = URL.createObjectURL(await res.blob());
    } else {
      await saveBlob(res, "receipt-" + ref + ".pdf");
    }
    say($("message"), "");
  } catch (err) {
    if (win) win.close();
    say($("message"), explain(err), true);
  }
}

languageSelector($("language"));
labelZone(zone(), null);
onLocale(() => {
  labelZone(zone(), storeZone ? storeName : null);
  if (sale) render(sale, lastEvents);
});
$("recheck").addEventListener("click", () =>
  act(t("recheck.doing"), () => api(path + "/refresh", { method: "POST" }), t("recheck.done")),
);
$("cancel").addEventListener("click", cancelSale);
$("refund").addEventListener("click", refundSale);
$("receipt").addEventListener("click", printReceipt);

signIn({
  check: (key) => api(path, { key }),
  async start() {
    await load();
    follow(path + "/events", {
      onState(state, err) {
        if (err) say($("message"), explain(err), true);
      },
      onEvent(name, s) {
        // a change: the sale as it is now, then its history
        if (name === "sale" && sale && s.updated_at !== sale.updated_at) load();
      },
      onReopen: load,
    });
  },
});
