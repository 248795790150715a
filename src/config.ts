import { z } from "zod";
import { parseKeyEntry, type Role } from "./auth.ts";

/** Where the service finds Mercado Pago: the real API with a seller token, or the built-in simulator. */
export type MercadoPagoMode = "live" | "simulator";

const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === "" ? undefined : s))
  .optional();

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const keyList = optionalString.transform((s) =>
  s === undefined
    ? []
    : s
        .split(",")
        .map((k) => k.trim())
        .filter((k) => k !== ""),
);

/** An origin as browsers send it: scheme, host and port; no path, no trailing slash. */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === text;
  } catch {
    return false;
  }
}

const KEY_LISTS: [name: "API_KEYS" | "STAFF_API_KEYS" | "POS_API_KEYS", role: Role][] = [
  ["API_KEYS", "full"],
  ["STAFF_API_KEYS", "staff"],
  ["POS_API_KEYS", "pos"],
];

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
        .optional(),
    ),
    MP_ACCESS_TOKEN: optionalString,
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
    API_KEYS: keyList,
    STAFF_API_KEYS: keyList,
    POS_API_KEYS: keyList,
    ORDER_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
    MP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
    RECONCILE_AFTER_MS: positiveInt(30_000),
    RECONCILE_INTERVAL_MS: positiveInt(5_000),
    // Lists, so a secret can be rotated: the first is current, the others still accepted.
    WEBHOOK_SECRET: keyList.pipe(
      z.array(
        z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, "must be 16-128 characters of [A-Za-z0-9_-]"),
      ),
    ),
    MP_WEBHOOK_SIGNING_SECRET: keyList.pipe(
      z.array(
        z
          .string()
          .regex(/^[\x21-\x7e]{16,256}$/, "must be 16-256 printable characters without spaces"),
      ),
    ),
    CORS_ORIGINS: keyList.pipe(
      z.array(
        z.string().refine(isOrigin, "each entry must be an origin such as https://pos.example.com"),
      ),
    ),
    RATE_LIMIT_PER_MINUTE: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z.coerce.number().int().positive().optional(),
    ),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    DATA_DIR: z.string().default(".data"),
  })
  .superRefine((env, ctx) => {
    if (env.MP_ACCESS_TOKEN && !env.MP_COLLECTOR_ID) {
      ctx.addIssue({
        code: "custom",
        path: ["MP_COLLECTOR_ID"],
        message: "is required when MP_ACCESS_TOKEN is set",
      });
    }
    const keyCount = env.API_KEYS.length + env.STAFF_API_KEYS.length + env.POS_API_KEYS.length;
    if (env.NODE_ENV !== "development" && keyCount === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["API_KEYS"],
        message: `(or STAFF_API_KEYS / POS_API_KEYS) is required when NODE_ENV is ${env.NODE_ENV}`,
      });
    }
    // Problems name the list and the entry's position, never the key.
    const seen = new Set<string>();
    for (const [name, role] of KEY_LISTS) {
      env[name].forEach((raw, i) => {
        const entry = parseKeyEntry(raw, role);
        if (typeof entry === "string") {
          ctx.addIssue({ code: "custom", path: [name], message: `entry ${i + 1}: ${entry}` });
          return;
        }
        const id = entry.digest.toString("hex");
        if (seen.has(id)) {
          ctx.addIssue({
            code: "custom",
            path: [name],
            message: `entry ${i + 1}: the same key is listed more than once`,
          });
        }
        seen.add(id);
      });
    }
  });

export interface Config {
  env: "development" | "production" | "test";
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  mercadoPago: {
    mode: MercadoPagoMode;
    accessToken: string | undefined;
    collectorId: string | undefined;
    baseUrl: string;
    sponsorId: string | undefined;
    timeoutMs: number;
  };
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
  /** the current WEBHOOK_SECRET, put into notification_url */
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
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const e = parsed.data;
  const mode: MercadoPagoMode = e.MP_ACCESS_TOKEN ? "live" : "simulator";
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    mercadoPago: Object.freeze({
      mode,
      accessToken: e.MP_ACCESS_TOKEN,
      collectorId: e.MP_COLLECTOR_ID,
      // In simulator mode main.ts points the client at the in-process simulator instead.
      baseUrl: (e.MP_BASE_URL ?? "https://api.mercadopago.com").replace(/\/+$/, ""),
      sponsorId: e.MP_SPONSOR_ID,
      timeoutMs: e.MP_TIMEOUT_MS,
    }),
    publicBaseUrl,
    apiKeys: Object.freeze([...e.API_KEYS]) as string[],
    staffApiKeys: Object.freeze([...e.STAFF_API_KEYS]) as string[],
    posApiKeys: Object.freeze([...e.POS_API_KEYS]) as string[],
    orderTtlSeconds: e.ORDER_TTL_SECONDS,
    reconcileAfterMs: e.RECONCILE_AFTER_MS,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    webhookSecret: e.WEBHOOK_SECRET[0],
    previousWebhookSecrets: Object.freeze(e.WEBHOOK_SECRET.slice(1)) as string[],
    webhookSigningSecrets: Object.freeze([...e.MP_WEBHOOK_SIGNING_SECRET]) as string[],
    corsOrigins: Object.freeze([...e.CORS_ORIGINS]) as string[],
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    logLevel: e.LOG_LEVEL,
  });
}
