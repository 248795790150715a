// Shared by the dashboard and the customer display: the key (this tab only), calls to the API
// with it, errors in words, event streams read with fetch (EventSource cannot send the key).
// Words, amounts and dates: i18n.js.
import { hasMessage, t } from "./i18n.js";

const KEY_SLOT = "mp-qr-pos-key";

export const $ = (id) => document.getElementById(id);

export function getKey() {
  try {
    return sessionStorage.getItem(KEY_SLOT);
  } catch {
    return null;
  }
}
function setKey(key) {
  try {
    sessionStorage.setItem(KEY_SLOT, key);
  } catch {
    /* storage off: the key lives as long as the page */
  }
}
export function signOut() {
  try {
    sessionStorage.removeItem(KEY_SLOT);
  } catch {
    /* nothing kept */
  }
  location.reload();
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || t("error.http", { status }));
    this.status = status;
    this.code = error.code || (status === 0 ? "network" : "http_" + status);
    this.details = error.details || [];
    this.requestId = error.request_id || null;
  }
}

/** A call to the API with the key; JSON in and out unless `raw` (then the Response). */
export async function api(path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  const key = opts.key || getKey();
  if (key) headers.authorization = "Bearer " + key;
  let body;
  if (opts.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  let res;
  try {
    res = await fetch(path, { method: opts.method || "GET", headers, body, signal: opts.signal });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, { error: { message: t("error.unreachable") } });
  }
  if (!res.ok) {
    const json = await res.json().catch(() => null);
    throw new ApiError(res.status, json);
  }
  if (opts.raw) return res;
  return res.status === 204 ? null : res.json();
}

/**
 * An API error in words a cashier understands, in the page's language; never the raw body. The
 * API's own message (English, as clients depend on it) is quoted only where it names what to fix.
 */
export function explain(err) {
  if (!(err instanceof ApiError)) return t("error.page", { message: String(err && err.message) });
  const blocking = err.details.find((d) => d && d.external_reference);
  const message = err.message;
  switch (err.code) {
    case "pos_busy":
      return blocking
        ? t("error.pos_busy", { ref: blocking.external_reference })
        : t("error.pos_busy_unknown");
    case "internal":
      return err.requestId
        ? t("error.internal_request", { request: err.requestId })
        : t("error.internal");
    case "network":
    case "unauthorized":
    case "forbidden":
    case "not_found":
    case "already_paid":
    case "not_refundable":
    case "in_progress":
    case "mercadopago_unavailable":
    case "mercadopago_rejected":
    case "merchant_not_connected":
    case "unsupported_site":
    case "validation_failed":
    case "conflict":
    case "rate_limited":
    case "service_unavailable":
    case "payload_too_large":
      return t("error." + err.code, { message });
    default:
      return t("error.other", { message });
  }
}

/**
 * Reads one `text/event-stream` response with the key, calling onEvent(name, data) for each
 * event and onOpened() once the response has started; resolves when the stream ends. Throws
 * ApiError when the stream cannot be opened.
 */
export async function readEvents(path, onEvent, signal, onOpened) {
  const res = await api(path, { raw: true, signal, headers: { accept: "text/event-stream" } });
  if (onOpened) onOpened();
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length === 0) continue; // a comment (": ping")
      let parsed;
      try {
        parsed = JSON.parse(data.join("\n"));
      } catch {
        continue;
      }
      onEvent(name, parsed);
    }
  }
}

/**
 * Follows a stream for as long as the page wants it: reconnects by itself (1 s, doubling to
 * 15 s) and says how it stands through onState("live" | "reconnecting" | "stopped", error).
 * onReopen runs after every reconnection, so the page can reload what it may have missed.
 * Returns stop().
 */
export function follow(path, { onEvent, onState, onReopen }) {
  const controller = new AbortController();
  let delay = 1000;
  let stopped = false;
  let first = true;
  (async () => {
    while (!stopped) {
      try {
        await readEvents(path, onEvent, controller.signal, () => {
          delay = 1000;
          onState("live");
          if (!first && onReopen) onReopen();
          first = false;
        });
      } catch (err) {
        if (stopped) return;
        if (err instanceof ApiError && [401, 403, 404].includes(err.status)) {
          onState("stopped", err);
          return;
        }
      }
      if (stopped) return;
      onState("reconnecting");
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  })();
  return () => {
    stopped = true;
    controller.abort();
  };
}

/** A small element builder: el("td", { class: "num" }, "1.00"). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A status in a badge: `kind` "sale_status" or "payment_status" (the words differ in gender). */
export function badge(status, kind = "sale_status") {
  const key = kind + "." + status;
  // a status this page does not know yet (a newer service) is shown as the API says it
  const words = hasMessage(key) ? t(key) : status;
  return el("span", { class: "badge " + status, "data-status": status }, words);
}

export function say(node, text, isError) {
  node.textContent = text || "";
  node.classList.toggle("error", !!isError);
}

/**
 * Shows the sign-in form until a key passes `check(key)`, then the page (`#app` or `#screen`)
 * and its sign-out button; `start()` runs once signed in. `describe(err)` words a refusal;
 * `signOutTwice` makes sign-out take a second tap.
 */
export function signIn({
  check,
  start,
  content = "app",
  describe = explain,
  signOutTwice = false,
}) {
  const form = $("signin-form");
  const show = (signedIn) => {
    $("signin").hidden = signedIn;
    $(content).hidden = !signedIn;
    $("signout").hidden = !signedIn;
  };
  $("signout").addEventListener("click", signOutTwice ? signOutOnSecondTap : signOut);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const key = $("signin-key").value.trim();
    say($("signin-error"), "");
    try {
      await check(key);
    } catch (err) {
      say($("signin-error"), describe(err), true);
      $("signin-key").select();
      return;
    }
    setKey(key);
    $("signin-key").value = "";
    show(true);
    start();
  });
  const kept = getKey();
  if (!kept) {
    show(false);
    $("signin-key").focus();
    return;
  }
  check(kept).then(
    () => {
      show(true);
      start();
    },
    (err) => {
      show(false);
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) signOutQuietly();
      say($("signin-error"), describe(err), true);
    },
  );
}
/**
 * A sign-out button a customer may reach (the display's): the first tap only asks for a second
 * within a few seconds, so a stray tap does not take the till's screen away.
 */
function signOutOnSecondTap(e) {
  const button = e.currentTarget;
  if (button.dataset.armed === "yes") return signOut();
  button.dataset.armed = "yes";
  button.textContent = t("signout.again");
  setTimeout(() => {
    button.dataset.armed = "";
    button.textContent = t("signout.button");
  }, 4000);
}
function signOutQuietly() {
  try {
    sessionStorage.removeItem(KEY_SLOT);
  } catch {
    /* nothing kept */
  }
}

/** Saves a Response body as a file (the CSV export, the QR sheet). */
export async function saveBlob(res, filename) {
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** An image read with the key (the QR), shown through a blob: URL. */
export async function loadImage(img, path) {
  const res = await api(path, { raw: true });
  const url = URL.createObjectURL(await res.blob());
  const old = img.getAttribute("src");
  img.src = url;
  if (old && old.startsWith("blob:")) URL.revokeObjectURL(old);
}
