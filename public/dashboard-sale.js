// One sale: everything the API returns, its history, and re-check / cancel / refund.
import {
  $,
  api,
  badge,
  dateTime,
  el,
  explain,
  follow,
  labelZone,
  money,
  say,
  signIn,
} from "./common.js";

const ref = decodeURIComponent(location.pathname.split("/").pop() || "");
const path = "/orders/" + encodeURIComponent(ref);
let sale = null;
let busy = false;

const LABELS = {
  external_reference: "Reference",
  status: "Status",
  order_state: "Order on the POS",
  title: "Title",
  description: "Description",
  store_id: "Store",
  pos_id: "POS",
  total_amount: "Total",
  paid_amount: "Paid",
  refunded_amount: "Refunded",
  merchant_order_id: "Merchant order",
  merchant_order_status: "Merchant order status",
  mercadopago_api: "Mercado Pago API",
  order_id: "Mercado Pago order",
  qr_data: "QR data",
  created_at: "Created",
  updated_at: "Updated",
  expires_at: "Expires",
  paid_at: "Paid at",
  cancelled_at: "Cancelled at",
};
const SHOWN_ELSEWHERE = new Set(["items", "payments", "events", "refunds", "taxes"]);

function value(key, v) {
  if (v === null || v === undefined) return "—";
  if (key.endsWith("_at")) return dateTime(v);
  if (key.endsWith("_amount")) return money(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function remaining(s) {
  return Math.round((s.paid_amount - s.refunded_amount) * 100) / 100;
}

/** An event's detail ({ refunded_cents: 500, order_id: "ORD1" }) as "refunded 5.00 · order id ORD1". */
function detailWords(detail) {
  if (typeof detail !== "object") return String(detail);
  return Object.entries(detail)
    .map(([k, v]) =>
      k.endsWith("_cents") && typeof v === "number"
        ? k.slice(0, -6).replaceAll("_", " ") + " " + money(v / 100)
        : k.replaceAll("_", " ") + " " + (typeof v === "object" ? JSON.stringify(v) : String(v)),
    )
    .join(" · ");
}

/** A status change of the sale's audit trail. */
function statusEntry(e) {
  return {
    at: e.at,
    node: el(
      "li",
      { "data-to": e.to },
      el("time", { datetime: e.at }, dateTime(e.at)),
      " ",
      e.from ? badge(e.from) : null,
      e.from ? " → " : null,
      badge(e.to),
      el(
        "span",
        { class: "muted" },
        " by " + e.source + (e.merchant_order_id ? ", merchant order " + e.merchant_order_id : ""),
      ),
      e.detail ? el("div", { class: "muted" }, detailWords(e.detail)) : null,
    ),
  };
}

/**
 * A refund: asked at created_at; processing, done or failed at updated_at (a partial one changes
 * no status; a processing one is not money back yet).
 */
function refundEntries(r) {
  const line = (at, state, words, extra) => ({
    at,
    node: el(
      "li",
      { "data-refund": state, class: "refund" },
      el("time", { datetime: at }, dateTime(at)),
      " ",
      el("span", { class: "badge refund-" + state }, "refund " + REFUND_WORDS[state]),
      " " + words,
      extra ? el("div", { class: "muted" }, extra) : null,
    ),
  });
  const asked = line(
    r.created_at,
    "requested",
    money(r.amount) + " asked",
    r.status === "requested" ? "Waiting for Mercado Pago's answer." : null,
  );
  if (r.status === "done") {
    const partly = r.refunded_amount < r.amount;
    return [
      asked,
      line(
        r.updated_at,
        "done",
        money(r.refunded_amount) + " given back" + (partly ? " of " + money(r.amount) : ""),
      ),
    ];
  }
  if (r.status === "processing") {
    return [
      asked,
      line(
        r.updated_at,
        "processing",
        "Mercado Pago is processing it",
        "No money back yet: the sale stays paid until Mercado Pago makes it.",
      ),
    ];
  }
  if (r.status === "failed") {
    return [
      asked,
      line(
        r.updated_at,
        "failed",
        "nothing given back of " + money(r.amount),
        r.failure ? r.failure.message : null,
      ),
    ];
  }
  return [asked];
}
const REFUND_WORDS = {
  requested: "requested",
  processing: "processing",
  done: "processed",
  failed: "failed",
};

/** Status changes and refunds, oldest first. */
function history(events, refunds) {
  const entries = [...events.map(statusEntry), ...refunds.flatMap(refundEntries)];
  entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return entries.map((e) => e.node);
}

function render(s, events) {
  sale = s;
  $("ref").textContent = s.external_reference;
  const status = $("status");
  status.className = "badge " + s.status;
  status.dataset.status = s.status;
  status.textContent = s.status;
  $("amounts").replaceChildren(
    ...[
      ["Total", s.total_amount],
      ["Paid", s.paid_amount],
      ["Refunded", s.refunded_amount],
    ].map(([label, n]) =>
      el("div", { class: "stat" }, el("span", {}, label), el("strong", {}, money(n))),
    ),
  );
  // every field the API gives, known or not (a newer service may add some)
  const fields = [];
  for (const [key, v] of Object.entries(s)) {
    if (SHOWN_ELSEWHERE.has(key)) continue;
    fields.push(el("dt", {}, LABELS[key] || key), el("dd", { "data-field": key }, value(key, v)));
  }
  for (const t of s.taxes || [])
    fields.push(el("dt", {}, "Tax " + t.type), el("dd", {}, money(t.value)));
  $("fields").replaceChildren(...fields);
  $("items").replaceChildren(
    ...s.items.map((i) =>
      el(
        "tr",
        {},
        el("td", { "data-label": "Item" }, i.title),
        el("td", { class: "num", "data-label": "Qty" }, i.quantity),
        el("td", { class: "num", "data-label": "Price" }, money(i.unit_price)),
        el("td", { class: "num", "data-label": "Total" }, money(i.total_amount)),
      ),
    ),
  );
  $("payments").replaceChildren(
    ...s.payments.map((p) =>
      el(
        "tr",
        {},
        el("td", { "data-label": "Payment" }, p.id),
        el("td", { "data-label": "Status" }, badge(p.status)),
        el("td", { class: "num", "data-label": "Amount" }, money(p.amount)),
      ),
    ),
  );
  $("no-payments").hidden = s.payments.length > 0;
  if (events) $("timeline").replaceChildren(...history(events, s.refunds || []));
  $("cancel").hidden = s.status !== "pending";
  $("refund").hidden = !(s.status === "paid" && remaining(s) > 0);
  for (const id of ["recheck", "cancel", "refund"]) $(id).disabled = busy;
}

async function load() {
  try {
    const s = await api(path + "?include=events");
    render(s, s.events);
  } catch (err) {
    say($("message"), explain(err), true);
  }
}

async function act(label, call, done) {
  busy = true;
  render(sale);
  say($("message"), label + "…");
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
    "Cancel this sale?",
    el(
      "p",
      {},
      "The order of " +
        money(sale.total_amount) +
        " is taken off the QR of " +
        sale.pos_id +
        ". The customer can no longer pay it.",
    ),
    "Cancel the sale",
  );
  if (ok) await act("Cancelling", () => api(path, { method: "DELETE" }), "Sale cancelled.");
}

async function refundSale() {
  const max = remaining(sale);
  const amount = el("input", {
    id: "refund-amount",
    type: "number",
    min: "0.01",
    max: String(max),
    step: "0.01",
    value: String(max),
    required: true,
    inputmode: "decimal",
  });
  const note = el("p", { id: "refund-note", class: "big" });
  const update = () => {
    const n = Number(amount.value);
    note.textContent =
      n > 0 && n <= max
        ? "Give back " + money(n) + (n === max ? " (everything left)" : " of " + money(max))
        : "Type an amount from 0.01 to " + money(max);
  };
  amount.addEventListener("input", update);
  update();
  const body = el(
    "div",
    {},
    el("label", { for: "refund-amount" }, "Amount to give back"),
    amount,
    note,
  );
  const ok = await confirmWith("Refund this sale", body, "Refund");
  if (!ok) return;
  const n = Math.round(Number(amount.value) * 100) / 100;
  if (!(n > 0 && n <= max)) {
    say(
      $("message"),
      "Nothing was refunded: the amount must be from 0.01 to " + money(max) + ".",
      true,
    );
    return;
  }
  // the whole remainder is sent as {} so a refund made meanwhile elsewhere cannot be exceeded
  const request = n === max ? {} : { amount: n };
  const key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now());
  await act(
    "Refunding " + money(n),
    () =>
      api(path + "/refund", { method: "POST", body: request, headers: { "idempotency-key": key } }),
    "Refunded " + money(n) + ".",
  );
}

labelZone();
$("recheck").addEventListener("click", () =>
  act(
    "Asking Mercado Pago",
    () => api(path + "/refresh", { method: "POST" }),
    "Checked with Mercado Pago.",
  ),
);
$("cancel").addEventListener("click", cancelSale);
$("refund").addEventListener("click", refundSale);

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
