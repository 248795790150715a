import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.ts";

/**
 * In development with no API key of any role, one full-access key is made, kept under the data
 * dir and shown once.
 */
export function developmentApiKeys(config: Config): string[] {
  const anyKey = config.apiKeys.length + config.staffApiKeys.length + config.posApiKeys.length > 0;
  if (anyKey || config.env !== "development") return [...config.apiKeys];
  const file = path.resolve(config.dataDir, "api-key");
  if (existsSync(file)) {
    process.stdout.write(`API key for this development service: see ${file}\n`);
    return [readFileSync(file, "utf8").trim()];
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const key = `dev_${randomBytes(24).toString("base64url")}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  process.stdout.write(
    `\nNo API_KEYS set: generated a development key (kept in ${file}):\n\n  ${key}\n\n` +
      `Use it as: Authorization: Bearer ${key}\n\n`,
  );
  return [key];
}
