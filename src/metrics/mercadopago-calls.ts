import type { AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from "axios";
import { isAxiosError } from "axios";
import { Histogram, Registry } from "prom-client";

/**
 * Segments after which the next one is an id (`/v1/orders/:id`, `/pos/:id`), in both Mercado
 * Pago APIs the service calls (instore orders v2 and the Orders API) and their neighbours.
 */
const COLLECTIONS = new Set([
  "collectors",
  "stores",
  "pos",
  "orders",
  "merchant_orders",
  "payments",
  "refunds",
  "users",
  "transactions",
  "chargebacks",
]);
/** Words that follow a collection without being an id. */
const NOT_IDS = new Set(["search", "me", "qr"]);
/** A literal path word: lower case and short; anything else (numbers, external ids) is an id. */
const WORD = /^(v[0-9]{1,2}|[a-z][a-z_]{0,39})$/;
/** Distinct endpoint labels kept; more (a path shape never seen before, many times) are "other". */
const MAX_ENDPOINTS = 100;
const MAX_SEGMENTS = 12;

/**
 * The endpoint template of a Mercado Pago call, with every id replaced by `:id`, so the label
 * is bounded and never carries a reference, a POS id or a payment id:
 * `PUT /instore/qr/seller/collectors/:id/stores/:id/pos/:id/orders`, `POST /v1/orders/:id/refund`,
 * `GET /merchant_orders/search`, `GET /users/me`. `url` may be absolute or relative, with a query.
 */
export function endpointTemplate(method: string | undefined, url: string | undefined): string {
  let path = url ?? "";
  const scheme = path.indexOf("://");
  if (scheme !== -1) {
    const slash = path.indexOf("/", scheme + 3);
    path = slash === -1 ? "/" : path.slice(slash);
  }
  const cut = path.search(/[?#]/);
  if (cut !== -1) path = path.slice(0, cut);
  const out: string[] = [];
  let previous = "";
  for (const segment of path.split("/")) {
    if (segment === "") continue;
    if (out.length === MAX_SEGMENTS) {
      out.push("…");
      break;
    }
    const id = (COLLECTIONS.has(previous) && !NOT_IDS.has(segment)) || !WORD.test(segment);
    previous = id ? ":id" : segment;
    out.push(previous);
  }
  return `${(method ?? "GET").toUpperCase()} /${out.join("/")}`;
}

/** How a call ended: the HTTP status, or why there was none. */
function outcomeOf(err: unknown): string {
  if (isAxiosError(err)) {
    if (err.response) return String(err.response.status);
    if (err.code === "ECONNABORTED" || err.code === "ETIMEDOUT" || err.code === "ERR_CANCELED") {
      return "timeout";
    }
  }
  return "network_error";
}

const STARTED = Symbol("metricsStartedAt");
type Timed = InternalAxiosRequestConfig & { [STARTED]?: number };

/**
 * Calls to Mercado Pago are process-wide, like the process's own metrics: every client of the
 * process (cashier, jobs, the boot check, either API) reports into one histogram, whose
 * `_count` is the call counter.
 */
export const mercadoPagoRegistry = new Registry();
const calls = new Histogram({
  name: "mercadopago_request_duration_seconds",
  help: "Calls to Mercado Pago by endpoint template and outcome (HTTP status, timeout or network_error)",
  labelNames: ["endpoint", "outcome"] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
  registers: [mercadoPagoRegistry],
});
const endpoints = new Set<string>();

function observe(config: Timed | undefined, outcome: string): void {
  const started = config?.[STARTED];
  if (started === undefined) return;
  let endpoint = endpointTemplate(config?.method, config?.url);
  if (!endpoints.has(endpoint)) {
    if (endpoints.size >= MAX_ENDPOINTS) endpoint = "other";
    else endpoints.add(endpoint);
  }
  calls.observe({ endpoint, outcome }, (performance.now() - started) / 1000);
}

/**
 * Times every call made through `http` (an axios instance of a Mercado Pago client): one line
 * where the instance is made, `observeMercadoPagoCalls(http)`, and nothing else changes there.
 */
export function observeMercadoPagoCalls(http: AxiosInstance): AxiosInstance {
  http.interceptors.request.use(
    (config: Timed) => {
      config[STARTED] = performance.now();
      return config;
    },
    undefined,
    { synchronous: true },
  );
  http.interceptors.response.use(
    (res: AxiosResponse) => {
      observe(res.config as Timed, String(res.status));
      return res;
    },
    (err: unknown) => {
      observe(isAxiosError(err) ? (err.config as Timed | undefined) : undefined, outcomeOf(err));
      throw err;
    },
  );
  return http;
}
