import { z } from "zod";
import { parseKeyEntry, type Role } from "./auth.ts";
import { WEBHOOK_SECRET_PATTERN } from "./notifications/webhook-secrets.ts";

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
  MP_ACCESS_TOKEN: optionalString,
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
  PUBLIC_BASE_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
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
    timeoutMs: number;
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
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)),
    ...crossFieldProblems(env),
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
      baseUrl: (e.MP_BASE_URL ?? "https://api.mercadopago.com").replace(/\/+$/, ""),
      sponsorId: e.MP_SPONSOR_ID,
      timeoutMs: e.MP_TIMEOUT_MS,
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
  });
}
