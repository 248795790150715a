import { isMerchantBound, parseKeyEntry } from "../auth.ts";
import { KEY_LISTS, PLATFORM_VARIABLES, splitList } from "./fields.ts";
import { MERCADO_PAGO_API, unreachablePublicUrl } from "./public-url.ts";

/**
 * Rules between variables, checked on the raw environment so they are reported together with
 * every other problem (zod skips refinements of an object whose fields failed).
 */
export function crossFieldProblems(env: NodeJS.ProcessEnv): string[] {
  const set = (name: string) => (env[name] ?? "").trim() !== "";
  const problems: string[] = [];
  if (set("DATABASE_DIRECT_URL") && !set("DATABASE_URL")) {
    problems.push("DATABASE_DIRECT_URL: is only used with DATABASE_URL; set both or neither");
  }
  if (set("MP_ACCESS_TOKEN") && !set("MP_COLLECTOR_ID")) {
    problems.push("MP_COLLECTOR_ID: is required when MP_ACCESS_TOKEN is set");
  }
  problems.push(...platformProblems(set));
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
  // A merchant binding narrows a key to one merchant's stores: without platform mode there is one
  // merchant, and a key that looks narrowed but sees everything is worse than a refused boot.
  const platform = PLATFORM_VARIABLES.every(set);
  for (const [name, , entries] of lists) {
    if (platform) break;
    entries.forEach((raw, i) => {
      if (isMerchantBound(raw) && typeof parseKeyEntry(raw, "full") !== "string") {
        problems.push(
          `${name}: entry ${i + 1}: a key bound to a merchant (@merchant:<id>) needs platform mode (${PLATFORM_VARIABLES.join(", ")})`,
        );
      }
    });
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

/**
 * Platform mode is all three of its variables or none: a half-set platform would start as a
 * single merchant and quietly refuse every connection, so boot names the ones missing.
 */
function platformProblems(set: (name: string) => boolean): string[] {
  const given = PLATFORM_VARIABLES.filter(set);
  const problems: string[] = [];
  if (given.length > 0 && given.length < PLATFORM_VARIABLES.length) {
    for (const name of PLATFORM_VARIABLES.filter((n) => !set(n))) {
      problems.push(
        `${name}: is required with ${given.join(" and ")}: platform mode needs ` +
          `${PLATFORM_VARIABLES.join(", ")} together (or none of them for a single merchant)`,
      );
    }
  }
  if (given.length < PLATFORM_VARIABLES.length) {
    for (const name of [
      "MP_MARKETPLACE_FEE_PERCENT",
      "TOKEN_ENCRYPTION_KEY_PREVIOUS",
      "MP_AUTH_URL",
    ]) {
      if (set(name))
        problems.push(`${name}: is only used in platform mode (${PLATFORM_VARIABLES.join(", ")})`);
    }
  }
  return problems;
}
