// Close the day: one store's day (in its zone), its gross, fees, net and refunds, per payment
// method and POS, its disputes and whether Mercado Pago's ledger was checked; the same day as
// CSV and as an 80 mm PDF for the till's printer.
import { $, api, badge, el, explain, saveBlob, say, signIn } from "./common.js";
import {
  SITE,
  dateTime,
  dayBounds,
  decimalComma,
  hasMessage,
  labelZone,
  languageSelector,
  locale,
  money,
  onLocale,
  t,
  today,
} from "./i18n.js";

const storesById = new Map(); // external_id -> store
let allPos = [];
let shown = null; // the close-out last read, drawn again in another language

function zone() {
  const store = storesById.get($("c-store").value);
  return (store && store.time_zone) || SITE.timeZone;
}

function query(extra = {}) {
  const q = new URLSearchParams({ store_id: $("c-store").value, date: $("c-date").value });
  if ($("c-pos").value) q.set("pos_id", $("c-pos").value);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

const amount = (n) => money(n, (shown && shown.currency) || SITE.currency);

function stat(key, value, id) {
  return el("div", { class: "stat" }, el("span", {}, t(key)), el("strong", { id }, value));
}

function methodName(m) {
  return m === "unknown" ? t("close.method_unknown") : m.toUpperCase();
}

function reconciliationWords(r) {
  if (r.status === "discrepancies")
    return t("close.reconciliation_discrepancies", { count: r.discrepancies.length });
  return t(
    r.status === "matched" ? "close.reconciliation_matched" : "close.reconciliation_pending",
  );
}

function render(c) {
  shown = c;
  $("figures").replaceChildren(
    stat("summary.count", c.count, "c-count"),
    stat("close.gross", amount(c.gross_amount), "c-gross"),
    stat("close.fees", amount(c.fee_amount), "c-fees"),
    stat("close.net", amount(c.net_amount), "c-net"),
    stat("amount.refunded", amount(c.refunded_amount), "c-refunded"),
  );
  $("c-empty").hidden = c.count > 0;
  $("by-method").replaceChildren(
    ...Object.entries(c.by_method).map(([m, v]) =>
      el(
        "tr",
        { "data-method": m },
        el("td", { "data-label": t("col.payment") }, methodName(m)),
        el("td", { class: "num", "data-label": t("summary.count") }, v.count),
        el("td", { class: "num", "data-label": t("col.amount") }, amount(v.amount)),
      ),
    ),
  );
  $("by-pos").replaceChildren(
    ...Object.entries(c.by_pos).map(([p, v]) =>
      el(
        "tr",
        { "data-pos": p },
        el("td", { "data-label": t("field.pos_id") }, p),
        el("td", { class: "num", "data-label": t("summary.count") }, v.count),
        el("td", { class: "num", "data-label": t("close.gross") }, amount(v.amount)),
        el("td", { class: "num", "data-label": t("close.fees") }, amount(v.fee_amount)),
        el("td", { class: "num", "data-label": t("close.net") }, amount(v.net_amount)),
        el("td", { class: "num", "data-label": t("amount.refunded") }, amount(v.refunded_amount)),
      ),
    ),
  );
  $("by-status").replaceChildren(
    ...Object.entries(c.by_status)
      .filter(([, v]) => v.count > 0)
      .map(([s, v]) =>
        el(
          "div",
          { class: "stat", "data-status": s },
          badge(s),
          el("strong", {}, t("close.count_amount", { count: v.count, amount: amount(v.amount) })),
        ),
      ),
  );
  $("disputes").replaceChildren(
    ...c.disputes.map((d) =>
      el(
        "li",
        { "data-ref": d.external_reference },
        el(
          "a",
          { href: "/dashboard/sales/" + encodeURIComponent(d.external_reference) },
          d.external_reference,
        ),
        " " + amount(d.amount) + " ",
        d.status && hasMessage("payment_status." + d.status)
          ? badge(d.status, "payment_status")
          : d.status,
        d.opened_at
          ? el(
              "span",
              { class: "muted" },
              " " + t("close.opened", { time: dateTime(d.opened_at, zone()) }),
            )
          : null,
      ),
    ),
  );
  $("no-disputes").hidden = c.disputes.length > 0;
  const r = c.reconciliation;
  $("reconciliation").dataset.status = r.status;
  $("reconciliation").textContent =
    reconciliationWords(r) +
    (r.checked_at ? " " + t("close.checked_at", { time: dateTime(r.checked_at, zone()) }) : "");
  $("discrepancies").replaceChildren(
    ...r.discrepancies.map((x) =>
      el(
        "li",
        { "data-kind": x.kind },
        [x.kind, x.external_reference, x.detail].filter(Boolean).join(" · "),
      ),
    ),
  );
}

async function load() {
  const hasStore = !!$("c-store").value;
  $("no-store").hidden = hasStore;
  if (!hasStore || !$("c-date").value) return;
  try {
    render(await api("/sales/close?" + query()));
    say($("message"), "");
  } catch (err) {
    say($("message"), explain(err), true);
  }
}

async function download(accept, extra, ext) {
  try {
    const res = await api("/sales/close?" + query(extra), { raw: true, headers: { accept } });
    const pos = $("c-pos").value ? "-" + $("c-pos").value : "";
    await saveBlob(res, "close-" + $("c-store").value + "-" + $("c-date").value + pos + "." + ext);
  } catch (err) {
    say($("message"), explain(err), true);
  }
}

function narrowPos() {
  const store = $("c-store").value;
  const select = $("c-pos");
  const chosen = select.value;
  const of = allPos.filter((p) => p.store_id === store);
  select.replaceChildren(
    el("option", { value: "" }, t("filter.all_pos")),
    ...of.map((p) => el("option", { value: p.external_id }, p.name + " (" + p.external_id + ")")),
  );
  select.value = of.some((p) => p.external_id === chosen) ? chosen : "";
}

function sayZone() {
  const store = storesById.get($("c-store").value);
  labelZone(zone(), store ? store.name : null);
}

async function start() {
  try {
    const [stores, pos] = await Promise.all([api("/stores"), api("/pos")]);
    for (const s of stores.data) {
      storesById.set(s.external_id, s);
      $("c-store").append(
        el("option", { value: s.external_id }, s.name + " (" + s.external_id + ")"),
      );
    }
    allPos = pos.data;
  } catch (err) {
    say($("message"), explain(err), true);
  }
  // a link may name the store and day: /dashboard/close?store_id=SUC001&date=2026-12-05
  const asked = new URLSearchParams(location.search);
  if (asked.get("store_id") && storesById.has(asked.get("store_id")))
    $("c-store").value = asked.get("store_id");
  narrowPos();
  $("c-date").value = asked.get("date") || today(zone());
  sayZone();
  await load();
}

languageSelector($("language"));
onLocale(() => {
  sayZone();
  narrowPos();
  if (shown) render(shown);
});
$("filters").addEventListener("change", (e) => {
  if (e.target === $("c-store")) {
    narrowPos();
    sayZone();
  }
  load();
});
$("filters").addEventListener("submit", (e) => e.preventDefault());
// a spreadsheet in a language with a decimal comma reads semicolons (the API's second format)
$("c-csv").addEventListener("click", () =>
  download("text/csv", decimalComma() ? { delimiter: "semicolon" } : {}, "csv"),
);
$("c-pdf").addEventListener("click", () =>
  download("application/pdf", { locale: locale() }, "pdf"),
);

signIn({
  // the close-out is staff's: a till's key is told it cannot use the dashboard
  check: (key) => api("/sales/summary?" + new URLSearchParams(dayBounds(today())), { key }),
  start,
});
