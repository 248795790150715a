import { z } from "zod";
import { parseKeyEntry, type Role } from "../auth.ts";

// What each kind of setting must look like, as zod fields the environment schema is made of.

/** A string where blank means unset: trimmed, and empty becomes undefined. */
export const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === "" ? undefined : s))
  .optional();

/** A positive integer with its default. */
export const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);

/** The entries of a comma-separated value, trimmed, without empty ones. */
export function splitList(s: string | undefined): string[] {
  return s === undefined
    ? []
    : s
        .split(",")
        .map((k) => k.trim())
        .filter((k) => k !== "");
}

/** A comma-separated list; blanks and empty entries are dropped. */
export const commaList = optionalString.transform(splitList);

/** A list of API keys for one role; problems name the entry's position, never the key. */
export const keyList = (role: Role) =>
  commaList.superRefine((entries, ctx) => {
    entries.forEach((raw, i) => {
      const entry = parseKeyEntry(raw, role);
      if (typeof entry === "string")
        ctx.addIssue({ code: "custom", message: `entry ${i + 1}: ${entry}` });
    });
  });

/** The environment's key lists and the role each gives. */
export const KEY_LISTS: [name: "API_KEYS" | "STAFF_API_KEYS" | "POS_API_KEYS", role: Role][] = [
  ["API_KEYS", "full"],
  ["STAFF_API_KEYS", "staff"],
  ["POS_API_KEYS", "pos"],
];

/** An origin as browsers send it: scheme, host and port; no path, no trailing slash. */
export function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === text;
  } catch {
    return false;
  }
}

/** An absolute http(s) URL; a bare host name gets a hint of the expected form. */
export const publicUrl = z.string().superRefine((text, ctx) => {
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
export const ACCESS_TOKEN_PATTERN = /^(APP_USR|TEST)-[A-Za-z0-9_-]+$/;

/**
 * What WEBHOOK_SECRET entries must look like; a secret the service generates
 * (src/notifications/webhook-secrets.ts) follows the same rule.
 */
export const WEBHOOK_SECRET_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/** How long boot keeps trying the database before it gives up (a database starting next to us). */
export const DatabaseConnectTimeoutS = z.coerce.number().int().min(1).max(3600).default(30);

/**
 * TOKEN_ENCRYPTION_KEY: 32 random bytes in base64 (`openssl rand -base64 32`), the AES-256 key
 * the sellers' tokens are sealed with. The text never appears in a problem.
 */
export const encryptionKey = optionalString.pipe(
  z
    .string()
    .refine(
      (text) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) && Buffer.from(text, "base64").length === 32,
      "must be 32 bytes in base64 (openssl rand -base64 32)",
    )
    .transform((text) => Buffer.from(text, "base64"))
    .optional(),
);

/** The three variables that together turn platform mode on (docs/platform.md). */
export const PLATFORM_VARIABLES = [
  "MP_CLIENT_ID",
  "MP_CLIENT_SECRET",
  "TOKEN_ENCRYPTION_KEY",
] as const;
