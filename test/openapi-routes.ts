import type { CloseoutRepository } from "../src/closeout/closeout.repository.ts";
import type { WebhooksOutRepository } from "../src/webhooks-out/webhooks-out.repository.ts";
import pino from "pino";
import { createApp, type AppDeps } from "../src/app.ts";
import type { ReconciliationRouteDeps } from "../src/reconciliation/reconciliation.routes.ts";
import type { LiveSales } from "../src/live/live-sales.ts";
import { createMetrics } from "../src/metrics/metrics.ts";
import type { RefundsService } from "../src/refunds/refunds.service.ts";
import type { SalesListRepository } from "../src/sales/sales-list.repository.ts";
import type { SalesService } from "../src/sales/sales.service.ts";
import { createSimulator } from "mercadopago-simulator";
import type { StoresService } from "../src/stores/stores.service.ts";
import type { MerchantsService } from "../src/merchants/merchants.service.ts";

/** The routes the app mounts beside the OpenAPI document, shared by the OpenAPI tests. */

/**
 * Routes the app serves on purpose without describing them in the OpenAPI document: pages and
 * their assets, and the simulator. Each needs a reason. A new page or asset route (a dashboard,
 * a display page, /favicon.ico) goes here; every other route, /metrics and GET
 * /orders/:ref/qr.png included, goes into src/openapi/paths/. `*` as the method is
 * any method; a path ending in `/*` covers everything under it.
 */
export const UNDOCUMENTED: readonly { route: string; why: string }[] = [
  {
    route: "* /simulator/*",
    why:
      "the built-in Mercado Pago simulator: Mercado Pago's API as the service's upstream and a " +
      "test page, mounted only when no token is configured; not this service's API",
  },
  { route: "GET /docs/initializer.js", why: "the /docs page's script" },
  { route: "GET /favicon.ico", why: "the browser's icon request (204)" },
  {
    route: "GET /dashboard",
    why: "the staff dashboard's page (HTML; its data comes from the API)",
  },
  { route: "GET /dashboard/sales/:ref", why: "the dashboard's sale page (HTML)" },
  { route: "GET /dashboard/stores", why: "the dashboard's stores and POS page (HTML)" },
  { route: "GET /dashboard/close", why: "the dashboard's day close page (HTML)" },
  { route: "GET /dashboard/webhooks", why: "the dashboard's webhooks page (HTML)" },
  { route: "GET /display/:pos_id", why: "the customer display's page (HTML)" },
  { route: "GET /docs/assets/:file", why: "Swagger UI's files for the /docs page" },
  {
    route: "GET /assets/messages.js",
    why: "the pages' message catalogue, as a script module they import",
  },
];

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  /** a router, or a handler in front of several (`routers`: src/entered-under.ts) */
  handle: { stack?: Layer[]; routers?: { stack: Layer[] }[] };
  rawPath?: string | string[];
}

/** Every METHOD + express path the app routes, through the routers it mounts. */
export function mountedRoutes(app: ReturnType<typeof createApp>): string[] {
  const routes: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = [layer.route.path].flat();
        const methods = Object.keys(layer.route.methods).filter((m) => m !== "_all");
        for (const p of paths)
          for (const m of methods) routes.push(`${m.toUpperCase()} ${prefix}${p}`);
      } else if (layer.handle.stack || layer.handle.routers) {
        const mount = [layer.rawPath ?? "/"].flat();
        if (mount.length !== 1)
          throw new Error(`a router mounted at several paths: ${String(mount)}`);
        const at = mount[0] === "/" ? "" : String(mount[0]);
        const stacks = layer.handle.stack
          ? [layer.handle.stack]
          : (layer.handle.routers ?? []).map((r) => r.stack);
        for (const stack of stacks) walk(stack, `${prefix}${at}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "");
  return [...new Set(routes)].sort();
}

/** A document's operations as METHOD + express path: `/orders/{ref}` is `/orders/:ref`. */
export function documentedRoutes(document: { paths: Record<string, object> }): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.includes(m))
        .map((m) => `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ":$1")}`),
    )
    .sort();
}

export function matchesEntry(route: string, entry: string): boolean {
  const [method, path] = route.split(" ") as [string, string];
  const [m, p] = entry.split(" ") as [string, string];
  if (m !== "*" && m !== method) return false;
  return p.endsWith("/*") ? path.startsWith(p.slice(0, -1)) || path === p.slice(0, -2) : p === path;
}

export const listed = (route: string) => UNDOCUMENTED.some((e) => matchesEntry(route, e.route));

/** Where the mounted routes and a document part: each list is empty when they agree. */
export function routeGaps(mounted: string[], document: { paths: Record<string, object> }) {
  const documented = documentedRoutes(document);
  return {
    /** mounted, neither documented nor listed in UNDOCUMENTED */
    missing: mounted.filter((r) => !documented.includes(r) && !listed(r)),
    /** documented, not mounted */
    notMounted: documented.filter((r) => !mounted.includes(r)),
    documentedAndListed: documented.filter(listed),
    /** UNDOCUMENTED entries that match no mounted route */
    stale: UNDOCUMENTED.filter(({ route }) => !mounted.some((r) => matchesEntry(r, route))).map(
      (e) => e.route,
    ),
  };
}

/**
 * The app with every optional dependency given, so every optional router is mounted. The walk
 * and the document routes never call a service, so bare objects stand in for them; `overrides`
 * gives a test the few service methods it calls.
 */
export function appWithEveryRouter(overrides: Partial<AppDeps> = {}) {
  const simulator = createSimulator({
    accessToken: "APP_USR-x",
    collectorId: 1,
    sweepIntervalMs: 0,
  });
  const deps: AppDeps = {
    logger: pino({ level: "silent" }),
    sales: {} as SalesService,
    salesList: {} as SalesListRepository,
    closeout: {} as CloseoutRepository,
    reconciliation: {
      repo: {} as ReconciliationRouteDeps["repo"],
      runner: {} as ReconciliationRouteDeps["runner"],
      storeExists: async () => true,
    },
    refunds: {} as RefundsService,
    stores: {} as StoresService,
    merchants: {} as MerchantsService,
    live: {} as LiveSales,
    simulator: simulator.router,
    metrics: createMetrics({ logger: pino({ level: "silent" }) }),
    metricsToken: "metrics-token-0123456789",
    recordNotification: async () => {},
    ping: async () => {},
    webhooksOut: {
      repo: {} as WebhooksOutRepository,
      policy: { publicOnly: true, resolve: async () => [] },
    },
    config: {
      apiKeys: ["full-key-0123456789abcdef"],
      webhookSecret: undefined,
      rateLimitPerMinute: 1000,
      simulatorNeedsKey: true,
    },
    ...overrides,
  };
  return { app: createApp(deps), stop: () => simulator.stop() };
}
