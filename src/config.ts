import { BlockList, isIP } from "node:net";
import { z } from "zod";
import { parseKeyEntry, type Role } from "./auth.ts";
import { WEBHOOK_SECRET_PATTERN } from "./notifications/webhook-secrets.ts";
import { parseSiteSettings, type SiteSettings } from "./site-config.ts";

/** Where the service finds Mercado Pago: the real API with a seller token, or the built-in simulator. */
export type MercadoPagoMode = "live" | "simulator";

const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === "" ? undefined : s))
  .optional();

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

function splitList(s: string | undefined): string[] {
  return s === undefined
    ? []
    : s
        .split(",")
        .map((k) => k.trim())
        .filter((k) => k !== "");
}

/** A comma-separated list; blanks and empty entries are dropped. */
const commaList = optionalString.transform(splitList);

/** A list of API keys for one role; problems name the entry's position, never the key. */
const keyList = (role: Role) =>
  commaList.superRefine((entries, ctx) => {
    entries.forEach((raw, i) => {
      const entry = parseKeyEntry(raw, role);
      if (typeof entry === "string")
        ctx.addIssue({ code: "custom", message: `entry ${i + 1}: ${entry}` });
    });
  });

const KEY_LISTS: [name: "API_KEYS" | "STAFF_API_KEYS" | "POS_API_KEYS", role: Role][] = [
  ["API_KEYS", "full"],
  ["STAFF_API_KEYS", "staff"],
  ["POS_API_KEYS", "pos"],
];

/** An origin as browsers send it: scheme, host and port; no path, no trailing slash. */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === text;
  } catch {
    return false;
  }
}

/** Mercado Pago's own API: the one that must reach PUBLIC_BASE_URL from the internet. */
export const MERCADO_PAGO_API = "https://api.mercadopago.com";

/** An absolute http(s) URL; a bare host name gets a hint of the expected form. */
const publicUrl = z.string().superRefine((text, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // a bare host ("pos.example.com") parses as nothing: say what was meant
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    const host =
      text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/\/.*$/, "") || "pos.example.com";
    ctx.addIssue({
      code: "custom",
      message: `expected an absolute URL such as https://${host}`,
    });
  }
});

/**
 * Seller tokens are `APP_USR-…` (production credentials) or `TEST-…` (older test credentials);
 * anything else is a paste of the wrong value (a public key, a client secret, a quoted string).
 */
const ACCESS_TOKEN_PATTERN = /^(APP_USR|TEST)-[A-Za-z0-9_-]+$/;

/** Addresses Mercado Pago's servers cannot reach: loopback, private, link-local, unspecified. */
const UNREACHABLE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const)
  UNREACHABLE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 127], // :: and ::1
  ["fc00::", 7],
  ["fe80::", 10],
] as const)
  UNREACHABLE.addSubnet(net, bits, "ipv6");

/**
 * Why Mercado Pago could not deliver notifications to this public URL, or null when it can.
 * Host names are judged by their form only (no DNS at boot): `localhost`, `*.localhost`,
 * `*.local` and single-label names exist only on a local network.
 */
export function unreachablePublicUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null; // reported by the field's own check
  }
  if (url.protocol !== "https:")
    return "must be https:// (Mercado Pago only notifies public HTTPS URLs)";
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const family = isIP(host);
  const local =
    family === 4
      ? UNREACHABLE.check(host, "ipv4")
      : family === 6
        ? UNREACHABLE.check(host, "ipv6")
        : host === "localhost" ||
          host.endsWith(".localhost") ||
          host.endsWith(".local") ||
          !host.includes(".");
  return local
    ? `${host} is a loopback or private address that Mercado Pago cannot reach; use the public HTTPS address of this service`
    : null;
}

/** How long boot keeps trying the database before it gives up (a database starting next to us). */
export const DatabaseConnectTimeoutS = z.coerce.number().int().min(1).max(3600).default(30);

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
  ),
  // LISTEN (live updates) is session state: behind a transaction-mode pooler it needs a direct URL
  DATABASE_DIRECT_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .refine(
        (u) => !/[?&]pgbouncer=true(&|$)/.test(u),
        "must reach the database directly, not through a pooler (no pgbouncer=true)",
      )
      .optional(),
  ),
  DATABASE_CONNECT_TIMEOUT_S: DatabaseConnectTimeoutS,
  LIVE_STREAMS_PER_KEY: z.coerce.number().int().min(1).max(10_000).default(20),
  MP_ACCESS_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(
        ACCESS_TOKEN_PATTERN,
        "does not look like a Mercado Pago access token (APP_USR-… or TEST-…); copy the Access Token from Your integrations > Credentials, not the Public Key or Client Secret",
      )
      .optional(),
  ),
  MP_VERIFY_CREDENTIALS: optionalString.pipe(
    z.enum(["true", "false"], { error: "must be true or false" }).optional(),
  ),
  MP_SIMULATOR: optionalString.pipe(
    z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
  ),
  MP_COLLECTOR_ID: optionalString.pipe(
    z
      .string()
      .regex(/^\d{1,20}$/, "must be the seller's numeric user id")
      .optional(),
  ),
  MP_BASE_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  MP_SPONSOR_ID: optionalString.pipe(
    z
      .string()
      .regex(/^\d{1,20}$/, "must be a numeric Mercado Pago user id")
      .optional(),
  ),
  MP_API: optionalString.pipe(
    z
      .enum(["instore_v2", "orders"], { error: "must be instore_v2 or orders" })
      .default("instore_v2"),
  ),
  MP_QR_MODE: optionalString.pipe(
    z
      .enum(["static", "hybrid", "dynamic"], { error: "must be static, hybrid or dynamic" })
      .default("static"),
  ),
  PUBLIC_BASE_URL: optionalString.pipe(publicUrl.optional()),
  API_KEYS: keyList("full"),
  STAFF_API_KEYS: keyList("staff"),
  POS_API_KEYS: keyList("pos"),
  ORDER_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
  MP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  CASHIER_DEADLINE_MS: z.coerce.number().int().min(500).max(120_000).default(12_000),
  RECONCILE_AFTER_MS: positiveInt(30_000),
  RECONCILE_INTERVAL_MS: positiveInt(5_000),
  NOTIFICATION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  // Lists, so a secret can be rotated: the first is current, the others still accepted.
  WEBHOOK_SECRET: commaList.pipe(
    z.array(z.string().regex(WEBHOOK_SECRET_PATTERN, "must be 16-128 characters of [A-Za-z0-9_-]")),
  ),
  MP_WEBHOOK_SIGNING_SECRET: commaList.pipe(
    z.array(
      z
        .string()
        .regex(/^[\x21-\x7e]{16,256}$/, "must be 16-256 printable characters without spaces"),
    ),
  ),
  CORS_ORIGINS: commaList.pipe(
    z.array(
      z.string().refine(isOrigin, "each entry must be an origin such as https://pos.example.com"),
    ),
  ),
  RATE_LIMIT_PER_MINUTE: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.coerce.number().int().positive().optional(),
  ),
  METRICS_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^[\x21-\x7e]{16,512}$/, "must be 16-512 printable characters without spaces")
      .optional(),
  ),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATA_DIR: z.string().default(".data"),
});

/**
 * Rules between variables, checked on the raw environment so they are reported together with
 * every other problem (zod skips refinements of an object whose fields failed).
 */
function crossFieldProblems(env: NodeJS.ProcessEnv): string[] {
  const set = (name: string) => (env[name] ?? "").trim() !== "";
  const problems: string[] = [];
  if (set("DATABASE_DIRECT_URL") && !set("DATABASE_URL")) {
    problems.push("DATABASE_DIRECT_URL: is only used with DATABASE_URL; set both or neither");
  }
  if (set("MP_ACCESS_TOKEN") && !set("MP_COLLECTOR_ID")) {
    problems.push("MP_COLLECTOR_ID: is required when MP_ACCESS_TOKEN is set");
  }
  const nodeEnv = (env.NODE_ENV ?? "").trim() || "development";
  const api = (env.MP_API ?? "").trim() || "instore_v2";
  const qrMode = (env.MP_QR_MODE ?? "").trim() || "static";
  if (api !== "orders" && qrMode !== "static") {
    problems.push(
      `MP_QR_MODE: ${qrMode} needs MP_API=orders (instore orders v2 only has the POS's static QR)`,
    );
  }
  // Orders API notifications are configured in Mercado Pago's panel, not per order: no
  // notification_url carries our WEBHOOK_SECRET, and x-signature is what tells theirs from forged.
  if (api === "orders" && nodeEnv !== "development" && !set("MP_WEBHOOK_SIGNING_SECRET")) {
    problems.push(
      `MP_WEBHOOK_SIGNING_SECRET: is required with MP_API=orders when NODE_ENV is ${nodeEnv}: ` +
        "the secret signature of your application's Webhooks (Your integrations > Webhooks)",
    );
  }
  // Outside development the simulator (which pays anything on request) never runs by default:
  // a forgotten token must stop the boot, not quietly take sales no customer can pay for real.
  const simulatorAsked = (env.MP_SIMULATOR ?? "").trim() === "true";
  if (simulatorAsked && set("MP_ACCESS_TOKEN")) {
    problems.push("MP_SIMULATOR: cannot be true when MP_ACCESS_TOKEN is set; choose one");
  } else if (nodeEnv !== "development" && !simulatorAsked && !set("MP_ACCESS_TOKEN")) {
    problems.push(
      `MP_ACCESS_TOKEN: is required when NODE_ENV is ${nodeEnv} (or set MP_SIMULATOR=true to run ` +
        "the built-in simulator, where no real money moves)",
    );
  }
  // Mercado Pago notifies PUBLIC_BASE_URL from the internet: a local or plain-http address means
  // no notification ever arrives and sales settle only through the reconciler, minutes late.
  // Only against Mercado Pago's own API; a fake or staging upstream (MP_BASE_URL) may be local.
  const upstream = (env.MP_BASE_URL ?? "").trim().replace(/\/+$/, "") || MERCADO_PAGO_API;
  if (nodeEnv !== "development" && set("MP_ACCESS_TOKEN") && upstream === MERCADO_PAGO_API) {
    const publicBase = (env.PUBLIC_BASE_URL ?? "").trim();
    if (publicBase === "") {
      problems.push(
        `PUBLIC_BASE_URL: is required when NODE_ENV is ${nodeEnv} with MP_ACCESS_TOKEN: the public HTTPS address where Mercado Pago sends notifications, such as https://pos.example.com`,
      );
    } else {
      const why = unreachablePublicUrl(publicBase);
      if (why) problems.push(`PUBLIC_BASE_URL: ${why}`);
    }
  }
  const lists = KEY_LISTS.map(([name, role]) => [name, role, splitList(env[name])] as const);
  if (nodeEnv !== "development" && lists.every(([, , entries]) => entries.length === 0)) {
    problems.push(
      `API_KEYS: (or STAFF_API_KEYS / POS_API_KEYS) is required when NODE_ENV is ${nodeEnv}`,
    );
  }
  // One key, one role: the same key twice (a hash counts as its key) is a mistake to report.
  const seen = new Set<string>();
  for (const [name, role, entries] of lists) {
    entries.forEach((raw, i) => {
      const entry = parseKeyEntry(raw, role);
      if (typeof entry === "string") return;
      const id = entry.digest.toString("hex");
      if (seen.has(id))
        problems.push(`${name}: entry ${i + 1}: the same key is listed more than once`);
      seen.add(id);
    });
  }
  return problems;
}

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
  /** worked notifications older than this many days are deleted */
  notificationRetentionDays: number;
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
      // In simulator mode main.ts points the client at the in-process simulator instead.
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
    notificationRetentionDays: e.NOTIFICATION_RETENTION_DAYS,
    webhookSecret: e.WEBHOOK_SECRET[0],
    previousWebhookSecrets: Object.freeze(e.WEBHOOK_SECRET.slice(1)) as string[],
    webhookSigningSecrets: Object.freeze([...e.MP_WEBHOOK_SIGNING_SECRET]) as string[],
    corsOrigins: Object.freeze([...e.CORS_ORIGINS]) as string[],
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
    site: Object.freeze(siteSettings.settings),
  });
}
