// The customer display beside a till. A POS key may read only its own POS's sales: the current
// sale is asked for (GET /pos/:id/sale) every 1.5 s while idle; a pending sale is then followed
// through its own event stream, so its payment shows at once. It speaks its store's language
// (the store's `locale`, from the display's info), in the site's currency.
import { $, ApiError, api, explain, follow, loadImage, say, signIn, signOut } from "./common.js";
import { money, setLocale, t, translatePage } from "./i18n.js";

const posId = document.body.dataset.pos || "";
const pos = encodeURIComponent(posId);
const PAID_SHOWN_MS = 6000;
const IDLE_POLL_MS = 1500;

let shown = null; // the reference on screen (pending or paid), else null
let stopStream = null;
let paidUntil = 0;
let qrFor = null;
let info = null; // the POS's names, read when signing in (null: not registered here)
let stopped = false; // the key was refused: nothing more is asked
let currency; // the site's, as the info said it; a sale that names its own currency wins

function screen(state) {
  for (const id of ["idle", "pending", "in-process", "paid", "problem"])
    $(id).hidden = id !== state;
  document.body.dataset.state = state;
}

function connection(text) {
  say($("connection"), text, !!text);
}

async function showPending(sale) {
  // a payment is being processed: the QR would invite the customer to pay a second time
  if (sale.payment_in_process) {
    $("in-process-amount").textContent = money(sale.total_amount, sale.currency || currency);
    screen("in-process");
    return;
  }
  $("amount").textContent = money(sale.total_amount, sale.currency || currency);
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
  $("paid-amount").textContent = money(
    sale.paid_amount || sale.total_amount,
    sale.currency || currency,
  );
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
      else if (state === "reconnecting") connection(t("display.reconnecting"));
      else if (err && refusal(err)) refused(err);
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

/**
 * The key stopped working (revoked, or the service's keys changed): a screen that says so, not
 * an idle till that would never show a sale.
 */
function refused(err) {
  stopped = true;
  stop();
  $("problem-text").textContent = describeRefusal(err);
  screen("problem");
  connection("");
}

function refusal(err) {
  return err instanceof ApiError && (err.status === 401 || err.status === 403);
}

async function poll() {
  if (stopped) return;
  try {
    if (!shown && Date.now() >= paidUntil) {
      const sale = await api("/pos/" + pos + "/sale");
      if (sale.status === "pending") apply(sale);
    }
    connection("");
  } catch (err) {
    if (refusal(err)) return refused(err);
    if (!(err instanceof ApiError && err.status === 404)) connection(explain(err));
  }
  setTimeout(poll, IDLE_POLL_MS);
}

/**
 * The display's names and its store's language; a POS not registered here (404) has its id as
 * all there is to show, in the site's language.
 */
function names(info) {
  if (info && info.locale) setLocale(info.locale);
  if (info && info.currency) currency = info.currency;
  $("store-name").textContent = info ? info.store_name : t("display.welcome");
  $("pos-name").textContent = info ? info.pos_name : posId;
}

/** A refusal in words for whoever stands at the till. */
function describeRefusal(err) {
  if (err instanceof ApiError && err.status === 403) {
    return t("display.wrong_till", { message: err.message, pos: posId });
  }
  if (err instanceof ApiError && err.status === 401) return t("display.refused");
  return explain(err);
}

translatePage();
$("problem-signin").addEventListener("click", signOut);

signIn({
  content: "screen",
  describe: describeRefusal,
  // the tablet faces the customer: one stray tap must not sign the till's screen out
  signOutTwice: true,
  // the POS's names: 403 for a till's key of another till, 404 (not registered here) still
  // proves the key may read this POS
  check: (key) =>
    api("/display/" + pos + "/info", { key }).then(
      (found) => (info = found),
      (err) => {
        if (err instanceof ApiError && err.status === 404) return (info = null);
        throw err;
      },
    ),
  start() {
    stopped = false;
    screen("idle");
    names(info);
    poll();
  },
});
