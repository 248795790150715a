import { z } from "zod";

/** Where the service finds Mercado Pago: the real API with a seller token, or the built-in simulator. */
export type MercadoPagoMode = "live" | "simulator";

const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === "" ? undefined : s))
  .optional();

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const keyList = optionalString
  .transform((s) =>
    s === undefined
      ? []
      : s
          .split(",")
          .map((k) => k.trim())
          .filter((k) => k !== ""),
  )
  .refine((keys) => keys.every((k) => k.length >= 16), "every key must be at least 16 characters");

const EnvSchema = z.object({
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
  ORDER_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
  MP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  RECONCILE_AFTER_MS: positiveInt(30_000),
  RECONCILE_INTERVAL_MS: positiveInt(5_000),
  WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,128}$/, "must be 16-128 characters of [A-Za-z0-9_-]")
      .optional(),
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
  if (set("MP_ACCESS_TOKEN") && !set("MP_COLLECTOR_ID")) {
    problems.push("MP_COLLECTOR_ID: is required when MP_ACCESS_TOKEN is set");
  }
  const nodeEnv = (env.NODE_ENV ?? "").trim() || "development";
  if (nodeEnv !== "development" && !(env.API_KEYS ?? "").split(",").some((k) => k.trim() !== "")) {
    problems.push(`API_KEYS: is required when NODE_ENV is ${nodeEnv}`);
  }
  return problems;
}

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
  apiKeys: string[];
  orderTtlSeconds: number;
  reconcileAfterMs: number;
  reconcileIntervalMs: number;
  webhookSecret: string | undefined;
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
    orderTtlSeconds: e.ORDER_TTL_SECONDS,
    reconcileAfterMs: e.RECONCILE_AFTER_MS,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    webhookSecret: e.WEBHOOK_SECRET,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    logLevel: e.LOG_LEVEL,
  });
}
