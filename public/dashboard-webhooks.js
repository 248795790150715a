// Webhooks to the store's systems: the endpoints (a disabled one says why) and the latest
// deliveries with each one's answer, latency and error, and a Retry button.
import { $, api, el, explain, say, signIn } from "./common.js";
import { languageSelector, onLocale, t, time } from "./i18n.js";

function endpointRow(e) {
  const status =
    e.status === "disabled"
      ? t("webhooks.disabled", { reason: e.disabled_reason || "" })
      : t("webhooks.enabled");
  return el(
    "tr",
    { "data-endpoint": e.id },
    el("td", {}, e.url),
    el("td", {}, e.events.join(", ")),
    el("td", {}, status),
  );
}

function deliveryRow(d) {
  const retry = el("button", { type: "button", "data-retry": d.id }, t("webhooks.retry"));
  retry.addEventListener("click", async () => {
    retry.disabled = true;
    try {
      await api("/webhook-deliveries/" + encodeURIComponent(d.id) + "/retry", { method: "POST" });
      say($("message"), t("webhooks.retried", { event: d.event_type }));
      await load();
    } catch (err) {
      retry.disabled = false;
      say($("message"), explain(err), true);
    }
  });
  const ref = el(
    "a",
    { href: "/dashboard/sales/" + encodeURIComponent(d.external_reference) },
    d.external_reference,
  );
  return el(
    "tr",
    { "data-delivery": d.id, "data-status": d.status },
    el("td", {}, time(d.created_at)),
    el("td", {}, d.event_type),
    el("td", {}, ref),
    el(
      "td",
      {},
      t("webhooks." + d.status) + " · " + t("webhooks.attempts", { count: d.attempt_count }),
    ),
    el("td", { class: "num" }, d.status_code === null ? "—" : String(d.status_code)),
    el(
      "td",
      { class: "num" },
      d.latency_ms === null ? "—" : t("webhooks.latency", { ms: d.latency_ms }),
    ),
    el("td", {}, d.error || ""),
    el("td", {}, retry),
  );
}

async function load() {
  try {
    const [endpoints, deliveries] = await Promise.all([
      api("/webhook-endpoints"),
      api("/webhook-deliveries?limit=50"),
    ]);
    $("no-endpoints").hidden = endpoints.data.length > 0;
    $("endpoints").replaceChildren(...endpoints.data.map(endpointRow));
    $("no-deliveries").hidden = deliveries.data.length > 0;
    $("deliveries").replaceChildren(...deliveries.data.map(deliveryRow));
  } catch (err) {
    say($("message"), explain(err), true);
  }
}

languageSelector($("language"));
let signedIn = false;
onLocale(() => signedIn && load());
signIn({
  check: (key) => api("/webhook-endpoints", { key }),
  start() {
    signedIn = true;
    load();
  },
});
