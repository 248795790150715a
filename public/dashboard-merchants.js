// Platform mode's merchants on the stores page: each one's Mercado Pago connection in words, and
// for one not connected (or disconnected: its grant revoked) a link to connect it again. Outside
// platform mode (the page says which) nothing is asked and the section stays hidden.
import { $, api, el, explain, say } from "./common.js";
import { SITE, t, time } from "./i18n.js";

function connectButton(m) {
  const button = el(
    "button",
    { type: "button", "data-connect": m.id },
    t(m.status === "disconnected" ? "merchants.connect_again" : "merchants.connect"),
  );
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      // a fresh single-use link each time: the seller authorizes at Mercado Pago, then returns
      const { connect_url } = await api("/merchants/" + encodeURIComponent(m.id) + "/connect", {
        method: "POST",
      });
      window.location.assign(connect_url);
    } catch (err) {
      button.disabled = false;
      say($("message"), explain(err), true);
    }
  });
  return button;
}

function merchantRow(m) {
  const state = [t("merchants." + m.status)];
  if (m.status === "connected" && m.token_expires_at) {
    state.push(t("merchants.token_until", { time: time(m.token_expires_at, SITE.timeZone) }));
  }
  if (m.status === "disconnected" && m.disconnected_reason) state.push(m.disconnected_reason);
  return el(
    "tr",
    { "data-merchant": m.id, "data-status": m.status },
    el("td", {}, m.name),
    el("td", {}, m.site || ""),
    el("td", { class: "merchant-status" }, state.join(" · ")),
    el("td", {}, m.status === "connected" ? "" : connectButton(m)),
  );
}

export async function loadMerchants() {
  if (!SITE.platform) return;
  let list;
  try {
    list = await api("/merchants");
  } catch (err) {
    // a key that may not read merchants (a POS key): nothing to show
    if (err.status === 403) return;
    say($("message"), explain(err), true);
    return;
  }
  $("merchants").replaceChildren(...list.data.map(merchantRow));
  $("merchants-card").hidden = false;
}
