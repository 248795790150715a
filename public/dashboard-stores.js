// Stores and their POS: each POS's QR (with its printable sheet) and current sale; new ones. Each
// store's times are in its own zone, and it says which zone and language it has.
import { $, api, badge, el, explain, loadImage, say, saveBlob, signIn } from "./common.js";
import { SITE, languageSelector, locale, money, onLocale, parts, t, time } from "./i18n.js";
import { loadMerchants } from "./dashboard-merchants.js";

function posCard(pos, store) {
  const id = encodeURIComponent(pos.external_id);
  const qr = el("img", {
    class: "qr",
    alt: t("pos.qr_alt", { pos: pos.name }),
    width: "160",
    height: "160",
  });
  const current = el("p", { class: "current", "data-pos-sale": pos.external_id }, "…");
  const print = el("button", { type: "button" }, t("pos.print"));
  print.addEventListener("click", async () => {
    try {
      await saveBlob(await api("/pos/" + id + "/qr.pdf", { raw: true }), pos.external_id + ".pdf");
    } catch (err) {
      say($("message"), explain(err), true);
    }
  });
  loadImage(qr, "/pos/" + id + "/qr.svg").catch((err) => say(current, explain(err), true));
  api("/pos/" + id + "/sale").then(
    (sale) =>
      current.replaceChildren(
        // the POS's pending sale, else its most recent: a paid one is not "current"
        ...parts(sale.status === "pending" ? "pos.waiting" : "pos.last", {
          ref: el(
            "a",
            { href: "/dashboard/sales/" + encodeURIComponent(sale.external_reference) },
            sale.external_reference,
          ),
          status: badge(sale.status),
          amount: money(sale.total_amount, sale.currency),
          time: time(sale.created_at, store.time_zone || SITE.timeZone),
        }),
      ),
    (err) =>
      say(current, err.status === 404 ? t("pos.no_sales") : explain(err), err.status !== 404),
  );
  return el(
    "article",
    { class: "pos", "data-pos": pos.external_id },
    qr,
    el(
      "div",
      {},
      el("h3", {}, pos.name + " ", el("span", { class: "muted" }, pos.external_id)),
      current,
      el(
        "p",
        { class: "actions" },
        print,
        el("a", { href: "/display/" + id, class: "button" }, t("pos.display")),
      ),
    ),
  );
}

/** "Time zone America/Sao_Paulo · português (Brasil)": the language named in the page's own. */
function settings(store) {
  let language = store.locale;
  try {
    language = new Intl.DisplayNames([locale()], { type: "language" }).of(store.locale);
  } catch {
    // a browser without DisplayNames shows the tag
  }
  return t("stores.settings", { zone: store.time_zone, language });
}

async function load() {
  // platform mode: the merchants and their connections, beside the stores
  void loadMerchants();
  try {
    const [stores, pos] = await Promise.all([api("/stores"), api("/pos")]);
    $("no-stores").hidden = stores.data.length > 0;
    $("stores").replaceChildren(
      ...stores.data.map((s) =>
        el(
          "section",
          { class: "store", "data-store": s.external_id },
          el("h2", {}, s.name + " ", el("span", { class: "muted" }, s.external_id)),
          el(
            "p",
            { class: "muted" },
            [s.location.street_name, s.location.street_number, s.location.city_name].join(" "),
          ),
          el("p", { class: "muted", "data-store-settings": s.external_id }, settings(s)),
          ...pos.data.filter((p) => p.store_id === s.external_id).map((p) => posCard(p, s)),
        ),
      ),
    );
    $("pos-store").replaceChildren(
      ...stores.data.map((s) =>
        el("option", { value: s.external_id }, s.name + " (" + s.external_id + ")"),
      ),
    );
  } catch (err) {
    say($("message"), explain(err), true);
  }
}

function submitter(formId, build, done) {
  const form = $(formId);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    try {
      const [url, body] = build(data);
      await api(url, { method: "POST", body });
      say($("message"), done(data));
      form.reset();
      await load();
    } catch (err) {
      say($("message"), explain(err), true);
    }
  });
}

languageSelector($("language"));
// once signed in: another language draws the stores again
let signedIn = false;
onLocale(() => signedIn && load());
submitter(
  "new-store",
  (d) => [
    "/stores",
    {
      external_id: d.external_id,
      name: d.name,
      location: {
        street_name: d.street_name,
        street_number: d.street_number,
        city_name: d.city_name,
        state_name: d.state_name,
        latitude: Number(d.latitude),
        longitude: Number(d.longitude),
      },
    },
  ],
  (d) => t("store.registered", { id: d.external_id }),
);
submitter(
  "new-pos",
  (d) => [
    "/stores/" + encodeURIComponent(d.store_id) + "/pos",
    { external_id: d.external_id, name: d.name },
  ],
  (d) => t("pos.registered", { id: d.external_id }),
);

signIn({
  check: (key) => api("/stores", { key }),
  start() {
    signedIn = true;
    load();
  },
});
