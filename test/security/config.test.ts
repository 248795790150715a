import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createKeyring, parseKeyEntry } from "../../src/auth.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";

const live = {
  MP_ACCESS_TOKEN: "APP_USR-x",
  MP_COLLECTOR_ID: "123",
  PUBLIC_BASE_URL: "https://pos.example.com",
};
const base = { NODE_ENV: "production", ...live, API_KEYS: "full-key-0123456789abcdef" };
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("key lists in the configuration", () => {
  it("reads the three lists, bindings and hashed entries", () => {
    const config = loadConfig({
      ...base,
      STAFF_API_KEYS: `staff-key-0123456789abcdef, sha256:${"A".repeat(64)}`,
      POS_API_KEYS: "pos-key-1-0123456789ab@SUC001/SUC001POS001,pos-key-2-0123456789ab@SUC002/*",
    });
    expect(config.apiKeys).toEqual(["full-key-0123456789abcdef"]);
    expect(config.staffApiKeys).toHaveLength(2);
    expect(config.posApiKeys).toEqual([
      "pos-key-1-0123456789ab@SUC001/SUC001POS001",
      "pos-key-2-0123456789ab@SUC002/*",
    ]);
  });

  it("outside development some key of any role is required; POS keys alone are enough", () => {
    expect(problems({ NODE_ENV: "production", ...live })).toEqual([
      "API_KEYS: (or STAFF_API_KEYS / POS_API_KEYS) is required when NODE_ENV is production",
    ]);
    expect(
      problems({ NODE_ENV: "production", ...live, POS_API_KEYS: "pos-key-1-0123456789ab" }),
    ).toEqual([]);
  });

  it("lists every bad entry at once, by list and position, never echoing the key", () => {
    const secretish = "short-secret";
    const found = problems({
      ...base,
      API_KEYS: `${secretish},full-key-0123456789abcdef`,
      STAFF_API_KEYS: "staff-key-0123456789abcdef@SUC001/*,full-key-0123456789abcdef",
      POS_API_KEYS: [
        "pos-key-1-0123456789ab@SUC001",
        "pos-key-2-0123456789ab@SUC/001/x",
        "pos-key-3-0123456789ab@*/*",
        "pos-key-4-0123456789ab@SUC001/../x",
        "sha256:1234@SUC001/*",
        "pos key with spaces 0123456789@SUC001/*",
      ].join(","),
    });
    expect(found).toEqual([
      expect.stringMatching(/^API_KEYS: entry 1: a key must be 16-512 printable ASCII/),
      expect.stringMatching(/^STAFF_API_KEYS: entry 1: staff keys cannot be bound/),
      "POS_API_KEYS: entry 1: a binding is @<store_id>/<pos_id> or @<store_id>/*",
      "POS_API_KEYS: entry 2: a binding is @<store_id>/<pos_id> or @<store_id>/*",
      "POS_API_KEYS: entry 3: the bound store id must be 1-60 of [A-Za-z0-9_-]",
      "POS_API_KEYS: entry 4: a binding is @<store_id>/<pos_id> or @<store_id>/*",
      expect.stringMatching(/^POS_API_KEYS: entry 5: a key must be/),
      expect.stringMatching(/^POS_API_KEYS: entry 6: a key must be/),
      "STAFF_API_KEYS: entry 2: the same key is listed more than once",
    ]);
    const text = found.join("\n");
    for (const fragment of [secretish, "staff-key-0123456789abcdef", "pos-key-1", "1234"]) {
      expect(text).not.toContain(fragment);
    }
  });

  it("a key configured in plain and as its hash is the same key twice", () => {
    expect(
      problems({ ...base, STAFF_API_KEYS: `sha256:${sha256("full-key-0123456789abcdef")}` }),
    ).toEqual(["STAFF_API_KEYS: entry 1: the same key is listed more than once"]);
  });
});

describe("webhook secrets", () => {
  it("MP_WEBHOOK_SIGNING_SECRET is optional, and when set long printable secrets", () => {
    expect(loadConfig(base).webhookSigningSecrets).toEqual([]);
    const [a, b] = ["a".repeat(64), "b".repeat(64)];
    expect(
      loadConfig({ ...base, MP_WEBHOOK_SIGNING_SECRET: `${a}, ${b}` }).webhookSigningSecrets,
    ).toEqual([a, b]);
    expect(problems({ ...base, MP_WEBHOOK_SIGNING_SECRET: `${a},short` })).toEqual([
      "MP_WEBHOOK_SIGNING_SECRET.1: must be 16-256 printable characters without spaces",
    ]);
  });

  it("CASHIER_DEADLINE_MS defaults to 12 s and is checked at boot", () => {
    expect(loadConfig(base).cashierDeadlineMs).toBe(12_000);
    expect(loadConfig({ ...base, CASHIER_DEADLINE_MS: "1500" }).cashierDeadlineMs).toBe(1500);
    expect(problems({ ...base, CASHIER_DEADLINE_MS: "soon" }).join()).toContain(
      "CASHIER_DEADLINE_MS",
    );
    expect(problems({ ...base, CASHIER_DEADLINE_MS: "10" }).join()).toContain(
      "CASHIER_DEADLINE_MS",
    );
  });

  it("WEBHOOK_SECRET may list earlier secrets after the current one", () => {
    const one = loadConfig({ ...base, WEBHOOK_SECRET: "current_0123456789abcdef" });
    expect([one.webhookSecret, one.previousWebhookSecrets]).toEqual([
      "current_0123456789abcdef",
      [],
    ]);
    const two = loadConfig({
      ...base,
      WEBHOOK_SECRET: "current_0123456789abcdef,previous_0123456789abcdef",
    });
    expect([two.webhookSecret, two.previousWebhookSecrets]).toEqual([
      "current_0123456789abcdef",
      ["previous_0123456789abcdef"],
    ]);
    const none = loadConfig(base);
    expect([none.webhookSecret, none.previousWebhookSecrets]).toEqual([undefined, []]);
    expect(problems({ ...base, WEBHOOK_SECRET: "current_0123456789abcdef,bad secret" })).toEqual([
      "WEBHOOK_SECRET.1: must be 16-128 characters of [A-Za-z0-9_-]",
    ]);
  });

  it("NOTIFICATION_RETENTION_DAYS defaults to 7 and must be a whole number of days from 1", () => {
    expect(loadConfig(base).notificationRetentionDays).toBe(7);
    expect(
      loadConfig({ ...base, NOTIFICATION_RETENTION_DAYS: "30" }).notificationRetentionDays,
    ).toBe(30);
    for (const bad of ["0", "-1", "1.5", "seven", "99999"]) {
      expect(problems({ ...base, NOTIFICATION_RETENTION_DAYS: bad })).toHaveLength(1);
      expect(problems({ ...base, NOTIFICATION_RETENTION_DAYS: bad })[0]).toMatch(
        /^NOTIFICATION_RETENTION_DAYS: /,
      );
    }
  });
});

describe("the keyring", () => {
  const keyring = createKeyring({
    full: ["full-key-0123456789abcdef"],
    staff: [`sha256:${sha256("staff-key-0123456789abcdef")}`],
    pos: [
      "pos-key-1-0123456789ab@SUC001/P1",
      "pos-key-2-0123456789ab@SUC002/*",
      "pos-any-0123456789",
    ],
  });
  const who = (key: string) => keyring.identify(`Bearer ${key}`);

  it("names the role and binding of the key presented", () => {
    expect(who("full-key-0123456789abcdef")).toMatchObject({ role: "full", binding: null });
    expect(who("staff-key-0123456789abcdef")).toMatchObject({ role: "staff", binding: null });
    expect(who("pos-key-1-0123456789ab")).toMatchObject({
      role: "pos",
      binding: { storeId: "SUC001", posId: "P1" },
    });
    expect(who("pos-key-2-0123456789ab")).toMatchObject({
      role: "pos",
      binding: { storeId: "SUC002", posId: null },
    });
    expect(who("pos-any-0123456789")).toMatchObject({ role: "pos", binding: null });
  });

  it("knows no one for a wrong, partial, bound-suffixed, hash-as-key or malformed credential", () => {
    for (const header of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      "Bearer wrong-key-0123456789abcdef",
      "Bearer full-key-0123456789abcde",
      "Bearer pos-key-1-0123456789ab@SUC001/P1",
      `Bearer sha256:${sha256("staff-key-0123456789abcdef")}`,
      `Bearer ${sha256("staff-key-0123456789abcdef")}`,
      "Basic full-key-0123456789abcdef",
      "Bearer full-key-0123456789abcdef extra",
      `Bearer ${"x".repeat(513)}`,
    ]) {
      expect(keyring.identify(header)).toBeNull();
    }
  });

  it("gives each key a stable id that is not the key and not its full hash", () => {
    const a = who("full-key-0123456789abcdef")!;
    expect(who("full-key-0123456789abcdef")!.keyId).toBe(a.keyId);
    expect(a.keyId).not.toContain("full-key");
    expect(sha256("full-key-0123456789abcdef")).not.toBe(a.keyId);
    expect(who("staff-key-0123456789abcdef")!.keyId).not.toBe(a.keyId);
  });

  it("refuses an entry that config validation would refuse", () => {
    expect(parseKeyEntry("short", "full")).toEqual(expect.any(String));
    expect(() => createKeyring({ full: ["short"] })).toThrow(/invalid full API key entry/);
  });
});
