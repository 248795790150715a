// The customer display beside a till. A POS key may read only its own POS's sales: the current
// sale is asked for (GET /pos/:id/sale) every 1.5 s while idle; a pending sale is then followed
// through its own event stream, so its payment shows at once.
import { $, ApiError, api, explain, follow, loadImage, money, say, signIn } from "./common.js";

const posId = document.body.dataset.pos || "";
const pos = encodeURIComponent(posId);
const PAID_SHOWN_MS = 6000;
const IDLE_POLL_MS = 1500;

let shown = null; // the reference on screen (pending or paid), else null
let stopStream = null;
let paidUntil = 0;
let qrFor = null;

function screen(state) {
  for (const id of ["idle", "pending", "paid"]) $(id).hidden = id !== state;
  document.body.dataset.state = state;
}

function connection(text) {
  say($("connection"), text, !!text);
}

async function showPending(sale) {
  $("amount").textContent = "$ " + money(sale.total_amount);
  screen("pending");
  if (qrFor === sale.external_reference) return;
  qrFor = sale.external_reference;
  // the sale's own QR when it has one (a dynamic order), else the POS's printed one
  const src = sale.qr_data
    ? "/orders/" + encodeURIComponent(sale.external_reference) + "/qr.png"
    : "/pos/" + pos + "/qr.svg";
  try {
    await loadImage($("qr"), src);
    $("qr").hidden = false;
  } catch {
    // a POS not registered here has no QR to show: the printed one on the till still works
    $("qr").hidden = true;
  }
}

function showPaid(sale) {
  $("paid-amount").textContent = "$ " + money(sale.paid_amount || sale.total_amount);
  screen("paid");
  paidUntil = Date.now() + PAID_SHOWN_MS;
  setTimeout(() => {
    if (Date.now() >= paidUntil && document.body.dataset.state === "paid") idle();
  }, PAID_SHOWN_MS + 50);
}

function idle() {
  shown = null;
  qrFor = null;
  screen("idle");
}

function stop() {
  if (stopStream) stopStream();
  stopStream = null;
}

/** A sale as it is now: what the customer should see. */
function apply(sale) {
  if (sale.status === "pending") {
    if (shown !== sale.external_reference) {
      stop();
      shown = sale.external_reference;
      watch(sale.external_reference);
    }
    showPending(sale);
    return;
  }
  if (sale.status === "paid" && shown === sale.external_reference) {
    stop();
    shown = null;
    showPaid(sale);
    return;
  }
  if (shown === sale.external_reference) {
    stop();
    idle();
  }
}

function watch(ref) {
  stopStream = follow("/orders/" + encodeURIComponent(ref) + "/events", {
    onState(state, err) {
      if (state === "live") connection("");
      else if (state === "reconnecting") connection("Reconnecting…");
      else if (err) {
        connection("");
        if (shown === ref) idle();
      }
    },
    onEvent(name, sale) {
      if (name === "sale") apply(sale);
    },
  });
}

async function poll() {
  try {
    if (!shown && Date.now() >= paidUntil) {
      const sale = await api("/pos/" + pos + "/sale");
      if (sale.status === "pending") apply(sale);
    }
    connection("");
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) connection(explain(err));
  }
  setTimeout(poll, IDLE_POLL_MS);
}

async function names() {
  try {
    const info = await api("/display/" + pos + "/info");
    $("store-name").textContent = info.store_name;
    $("pos-name").textContent = info.pos_name;
  } catch {
    // a POS used without registering it here: its id is all there is to show
    $("store-name").textContent = "Welcome";
    $("pos-name").textContent = posId;
  }
}

signIn({
  content: "screen",
  // the POS's current sale: 404 (none yet) still proves the key may read this POS
  check: (key) =>
    api("/pos/" + pos + "/sale", { key }).catch((err) => {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }),
  start() {
    screen("idle");
    names();
    poll();
  },
});
