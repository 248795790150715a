import { crossFieldProblems } from "./config/cross-field.ts";
import { MERCADO_PAGO_API } from "./config/public-url.ts";
import { EnvSchema } from "./config/schema.ts";
import { parseSiteSettings, type SiteSettings } from "./site-config.ts";

// The one config object. Its parts, in src/config/: the form of each kind of setting (fields.ts),
// the environment's schema (schema.ts), the rules between variables (cross-field.ts) and what
// Mercado Pago can reach (public-url.ts).

/**
 * Platform mode (MP_CLIENT_ID, MP_CLIENT_SECRET and TOKEN_ENCRYPTION_KEY all set): many
 * merchants, each connecting its own Mercado Pago account by OAuth (docs/platform.md).
 */
export interface PlatformConfig {
  clientId: string;
  clientSecret: string;
  /** AES-256 keys of the sellers' tokens: the current one seals, the previous one still opens */
  tokenKeys: { current: Buffer; previous: Buffer | undefined };
  /** the platform's share of each sale, in percent; unset: none */
  marketplaceFeePercent: number | undefined;
  /** MP_AUTH_URL: where a seller authorizes the application; unset: Mercado Pago's, or the simulator's page */
  authUrl: string | undefined;
  /** where Mercado Pago sends the seller back: PUBLIC_BASE_URL/oauth/callback */
  redirectUri: string;
}

/** Mercado Pago's authorization page for sellers (the OAuth authorization-code flow). */
export const MERCADO_PAGO_AUTH_URL = "https://auth.mercadopago.com/authorization";

/** Where the service finds Mercado Pago: the real API with a seller token, or the built-in simulator. */
export type MercadoPagoMode = "live" | "simulator";

export interface Config {
  env: "development" | "production" | "test";
  port: number;
  databaseUrl: string | undefined;
  /** a direct connection for LISTEN when DATABASE_URL goes through a transaction-mode pooler */
  databaseDirectUrl: string | undefined;
  /** open event streams (and, apart, long polls) one API key may hold */
  liveStreamsPerKey: number;
  /** seconds boot retries an unreachable DATABASE_URL */
  databaseConnectTimeoutS: number;
  dataDir: string;
  mercadoPago: {
    mode: MercadoPagoMode;
    /**
     * Outside development the simulator's page and helpers (which can pay any sale) need a
     * full-access key; in development they stay open for a zero-configuration start.
     */
    simulatorNeedsKey: boolean;
    accessToken: string | undefined;
    collectorId: string | undefined;
    baseUrl: string;
    sponsorId: string | undefined;
    /** MP_API: the API new sales are published on (each sale keeps its own) */
    api: "instore_v2" | "orders";
    /** MP_QR_MODE: the Orders API's QR model (static: the POS's printed QR) */
    qrMode: "static" | "hybrid" | "dynamic";
    timeoutMs: number;
    /** check the token and collector id with GET /users/me at boot (live mode only) */
    verifyCredentials: boolean;
  };
  /** longest a POS/staff request waits on Mercado Pago in total; the rest goes to the sweeper */
  cashierDeadlineMs: number;
  publicBaseUrl: string;
  /** full-access keys (API_KEYS), as configured: plain or sha256:<hex> */
  apiKeys: string[];
  /** STAFF_API_KEYS entries: read any sale, cancel, refresh */
  staffApiKeys: string[];
  /** POS_API_KEYS entries, each optionally bound: key@STORE/POS or key@STORE/* */
  posApiKeys: string[];
  orderTtlSeconds: number;
  reconcileAfterMs: number;
  reconcileIntervalMs: number;
  /** RECONCILE_DAY_AT: after this local time (HH:MM) each store's previous day is reconciled */
  reconcileDayAt: string;
  /** worked notifications older than this many days are deleted */
  notificationRetentionDays: number;
  /** webhooks out: timeouts, retries, disabling (docs/webhooks.md) */
  webhooksOut: {
    timeoutMs: number;
    retryBaseMs: number;
    retryForMs: number;
    disableAfterMs: number;
    pollMs: number;
    /** WEBHOOK_RETENTION_DAYS: events (with their deliveries and attempts) older than this go */
    retentionDays: number;
    /** outside development: https to public addresses only */
    publicOnly: boolean;
  };
  /** the current WEBHOOK_SECRET, put into notification_url; unset: one is generated and stored */
  webhookSecret: string | undefined;
  /** earlier WEBHOOK_SECRETs, still accepted while orders that carry them may notify */
  previousWebhookSecrets: string[];
  /** Mercado Pago's secrets for the x-signature header (signed topics only; QR is unsigned) */
  webhookSigningSecrets: string[];
  /** browser origins allowed to call the API; empty: no CORS headers at all */
  corsOrigins: string[];
  rateLimitPerMinute: number | undefined;
  logLevel: string;
  /** METRICS_TOKEN: GET /metrics needs it as a Bearer token; unset: /metrics is open */
  metricsToken: string | undefined;
  /** platform mode's settings; null: one merchant, MP_ACCESS_TOKEN's (as before) */
  platform: PlatformConfig | null;
  /** MP_SITE and DEFAULT_LOCALE as set; boot resolves the site (src/site-config.ts) */
  site: SiteSettings;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment once, listing every problem, and returns a frozen config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  const siteSettings = parseSiteSettings(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)),
    ...crossFieldProblems(env),
    ...siteSettings.problems,
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const mode: MercadoPagoMode = e.MP_ACCESS_TOKEN ? "live" : "simulator";
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databaseDirectUrl: e.DATABASE_DIRECT_URL,
    liveStreamsPerKey: e.LIVE_STREAMS_PER_KEY,
    databaseConnectTimeoutS: e.DATABASE_CONNECT_TIMEOUT_S,
    dataDir: e.DATA_DIR,
    mercadoPago: Object.freeze({
      mode,
      simulatorNeedsKey: e.NODE_ENV !== "development",
      accessToken: e.MP_ACCESS_TOKEN,
      collectorId: e.MP_COLLECTOR_ID,
      // In simulator mode boot (src/boot/mercadopago.ts) points the client at the simulator instead.
      baseUrl: (e.MP_BASE_URL ?? MERCADO_PAGO_API).replace(/\/+$/, ""),
      sponsorId: e.MP_SPONSOR_ID,
      api: e.MP_API,
      qrMode: e.MP_QR_MODE,
      timeoutMs: e.MP_TIMEOUT_MS,
      verifyCredentials:
        mode === "live" &&
        (e.MP_VERIFY_CREDENTIALS ?? String(e.NODE_ENV === "production")) === "true",
    }),
    cashierDeadlineMs: e.CASHIER_DEADLINE_MS,
    publicBaseUrl,
    apiKeys: Object.freeze([...e.API_KEYS]) as string[],
    staffApiKeys: Object.freeze([...e.STAFF_API_KEYS]) as string[],
    posApiKeys: Object.freeze([...e.POS_API_KEYS]) as string[],
    orderTtlSeconds: e.ORDER_TTL_SECONDS,
    reconcileAfterMs: e.RECONCILE_AFTER_MS,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    reconcileDayAt: e.RECONCILE_DAY_AT,
    notificationRetentionDays: e.NOTIFICATION_RETENTION_DAYS,
    webhooksOut: Object.freeze({
      timeoutMs: e.WEBHOOK_OUT_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOK_OUT_RETRY_BASE_MS,
      retryForMs: e.WEBHOOK_OUT_RETRY_HOURS * 3_600_000,
      disableAfterMs: e.WEBHOOK_OUT_DISABLE_HOURS * 3_600_000,
      pollMs: e.WEBHOOK_OUT_POLL_MS,
      retentionDays: e.WEBHOOK_RETENTION_DAYS,
      publicOnly: e.NODE_ENV !== "development",
    }),
    webhookSecret: e.WEBHOOK_SECRET[0],
    previousWebhookSecrets: Object.freeze(e.WEBHOOK_SECRET.slice(1)) as string[],
    webhookSigningSecrets: Object.freeze([...e.MP_WEBHOOK_SIGNING_SECRET]) as string[],
    corsOrigins: Object.freeze([...e.CORS_ORIGINS]) as string[],
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
    platform:
      e.MP_CLIENT_ID && e.MP_CLIENT_SECRET && e.TOKEN_ENCRYPTION_KEY
        ? Object.freeze({
            clientId: e.MP_CLIENT_ID,
            clientSecret: e.MP_CLIENT_SECRET,
            tokenKeys: Object.freeze({
              current: e.TOKEN_ENCRYPTION_KEY,
              previous: e.TOKEN_ENCRYPTION_KEY_PREVIOUS,
            }),
            marketplaceFeePercent: e.MP_MARKETPLACE_FEE_PERCENT,
            authUrl: e.MP_AUTH_URL,
            redirectUri: `${publicBaseUrl}/oauth/callback`,
          })
        : null,
    site: Object.freeze(siteSettings.settings),
  });
}
