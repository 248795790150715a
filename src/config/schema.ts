import { z } from "zod";
import {
  ACCESS_TOKEN_PATTERN,
  DatabaseConnectTimeoutS,
  WEBHOOK_SECRET_PATTERN,
  commaList,
  encryptionKey,
  isOrigin,
  keyList,
  optionalString,
  positiveInt,
  publicUrl,
} from "./fields.ts";

/** Every variable of the environment, each with its form and its default. */
export const EnvSchema = z.object({
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
  // platform mode (docs/platform.md): an application's credentials to connect many sellers by OAuth
  MP_CLIENT_ID: optionalString.pipe(
    z
      .string()
      .regex(/^\d{1,20}$/, "must be the application's numeric client id (App ID)")
      .optional(),
  ),
  MP_CLIENT_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^[\x21-\x7e]{8,256}$/, "must be 8-256 printable characters without spaces")
      .optional(),
  ),
  TOKEN_ENCRYPTION_KEY: encryptionKey,
  // the key before a rotation: still opens tokens sealed with it until the refresh job reseals them
  TOKEN_ENCRYPTION_KEY_PREVIOUS: encryptionKey,
  // the platform's share of each sale, in percent (platform mode only)
  MP_MARKETPLACE_FEE_PERCENT: optionalString.pipe(
    z
      .string()
      // at most 2 decimals: what Mercado Pago's amounts carry
      .regex(/^\d{1,2}(\.\d{1,2})?$/, "must be a percent such as 2.5 (at most 2 decimals)")
      .transform(Number)
      .pipe(z.number().max(50, "must be at most 50"))
      .optional(),
  ),
  // where sellers authorize the application; the simulator's page in tests
  MP_AUTH_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  PUBLIC_BASE_URL: optionalString.pipe(publicUrl.optional()),
  API_KEYS: keyList("full"),
  STAFF_API_KEYS: keyList("staff"),
  POS_API_KEYS: keyList("pos"),
  ORDER_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
  MP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  CASHIER_DEADLINE_MS: z.coerce.number().int().min(500).max(120_000).default(12_000),
  RECONCILE_AFTER_MS: positiveInt(30_000),
  RECONCILE_INTERVAL_MS: positiveInt(5_000),
  // the local time (in each store's zone) after which its previous day is matched against
  // Mercado Pago's ledger (docs/reconciliation.md)
  RECONCILE_DAY_AT: optionalString.pipe(
    z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time HH:MM, such as 03:00")
      .default("03:00"),
  ),
  NOTIFICATION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  // webhooks out (docs/webhooks.md): a receiver's deadline, the first retry's delay, how long a
  // delivery is retried and how long an endpoint may fail before it is disabled
  WEBHOOK_OUT_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(10_000),
  WEBHOOK_OUT_RETRY_BASE_MS: positiveInt(5_000),
  WEBHOOK_OUT_RETRY_HOURS: z.coerce.number().min(0.001).max(720).default(24),
  WEBHOOK_OUT_DISABLE_HOURS: z.coerce.number().min(0.001).max(2160).default(72),
  WEBHOOK_OUT_POLL_MS: positiveInt(1_000),
  // longer than the retry window by default; an event still pending delivery is never deleted
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
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
