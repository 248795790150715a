import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";

const KEY = randomBytes(32).toString("base64");
const PLATFORM = {
  MP_CLIENT_ID: "1234567890",
  MP_CLIENT_SECRET: "client-secret-0123",
  TOKEN_ENCRYPTION_KEY: KEY,
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("platform mode settings", () => {
  it("is off without its variables: MP_ACCESS_TOKEN alone runs one merchant as before", () => {
    const c = loadConfig({ MP_ACCESS_TOKEN: "APP_USR-x", MP_COLLECTOR_ID: "123" });
    expect(c.platform).toBeNull();
    expect(c.mercadoPago).toMatchObject({
      mode: "live",
      accessToken: "APP_USR-x",
      collectorId: "123",
    });
    expect(loadConfig({}).platform).toBeNull();
  });

  it("is on with all three, the key read as its 32 bytes and the callback under PUBLIC_BASE_URL", () => {
    const c = loadConfig({ ...PLATFORM, PUBLIC_BASE_URL: "https://pos.example.com/" });
    expect(c.platform).toMatchObject({
      clientId: "1234567890",
      clientSecret: "client-secret-0123",
      marketplaceFeePercent: undefined,
      authUrl: undefined,
      redirectUri: "https://pos.example.com/oauth/callback",
    });
    expect(c.platform?.tokenKeys.current.equals(Buffer.from(KEY, "base64"))).toBe(true);
    expect(c.platform?.tokenKeys.previous).toBeUndefined();
    expect(Object.isFrozen(c.platform)).toBe(true);
  });

  it("with some but not all three, boot stops naming each missing one", () => {
    const problems = problemsOf({ MP_CLIENT_ID: "1234567890" });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "MP_CLIENT_SECRET",
      "TOKEN_ENCRYPTION_KEY",
    ]);
    expect(problems[0]).toMatch(/is required with MP_CLIENT_ID/);
    const one = problemsOf({ MP_CLIENT_ID: "1", MP_CLIENT_SECRET: "client-secret-0123" });
    expect(one).toEqual([
      expect.stringMatching(
        /^TOKEN_ENCRYPTION_KEY: is required with MP_CLIENT_ID and MP_CLIENT_SECRET/,
      ),
    ]);
  });

  it("refuses a key that is not 32 bytes of base64, without quoting it", () => {
    for (const bad of [randomBytes(16).toString("base64"), "not base64 at all!", "a".repeat(44)]) {
      const problems = problemsOf({ ...PLATFORM, TOKEN_ENCRYPTION_KEY: bad });
      expect(problems).toEqual([
        expect.stringMatching(/^TOKEN_ENCRYPTION_KEY: must be 32 bytes in base64/),
      ]);
      expect(problems.join()).not.toContain(bad);
    }
  });

  it("takes a previous key for rotation, and a marketplace fee in percent", () => {
    const previous = randomBytes(32).toString("base64");
    const c = loadConfig({
      ...PLATFORM,
      TOKEN_ENCRYPTION_KEY_PREVIOUS: previous,
      MP_MARKETPLACE_FEE_PERCENT: "2.5",
    });
    expect(c.platform?.tokenKeys.previous?.equals(Buffer.from(previous, "base64"))).toBe(true);
    expect(c.platform?.marketplaceFeePercent).toBe(2.5);
    for (const bad of ["-1", "51", "2.555", "two"]) {
      expect(problemsOf({ ...PLATFORM, MP_MARKETPLACE_FEE_PERCENT: bad })).toEqual([
        expect.stringMatching(/^MP_MARKETPLACE_FEE_PERCENT: /),
      ]);
    }
  });

  it("the fee, the previous key and the authorization URL mean nothing outside platform mode", () => {
    const problems = problemsOf({
      MP_MARKETPLACE_FEE_PERCENT: "2",
      TOKEN_ENCRYPTION_KEY_PREVIOUS: KEY,
      MP_AUTH_URL: "http://127.0.0.1:9/authorization",
    });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "MP_AUTH_URL",
      "MP_MARKETPLACE_FEE_PERCENT",
      "TOKEN_ENCRYPTION_KEY_PREVIOUS",
    ]);
    expect(problems[0]).toMatch(/only used in platform mode/);
  });
});

describe("keys bound to a merchant", () => {
  const MERCHANT = "3f9a6c2e-1b7d-4e8a-9c0f-5d2b7a1e6c40";
  const ENTRY = `merchant-key-0123456789abcdef@merchant:${MERCHANT}`;

  it("boot in platform mode, in every key list", () => {
    for (const name of ["API_KEYS", "STAFF_API_KEYS", "POS_API_KEYS"]) {
      expect(problemsOf({ ...PLATFORM, [name]: ENTRY })).toEqual([]);
    }
  });

  it("are refused outside platform mode, naming the variable, never printing the key", () => {
    for (const name of ["API_KEYS", "STAFF_API_KEYS", "POS_API_KEYS"]) {
      const problems = problemsOf({ [name]: `other-key-0123456789abcdef,${ENTRY}` });
      expect(problems).toEqual([
        expect.stringMatching(
          new RegExp(`^${name}: entry 2: a key bound to a merchant .* needs platform mode`),
        ),
      ]);
      expect(problems.join()).not.toContain("merchant-key-0123456789abcdef");
    }
  });

  it("a binding that is no merchant id, or a POS key bound twice, is refused without the key", () => {
    const cases: [string, string, RegExp][] = [
      ["API_KEYS", "merchant-key-0123456789abcdef@merchant:nope", /a merchant's id \(a UUID\)/],
      ["POS_API_KEYS", `merchant-key-0123456789abcdef@SUC1/CAJA1@merchant:${MERCHANT}`, /not both/],
      ["POS_API_KEYS", `merchant-key-0123456789abcdef@merchant:${MERCHANT}@SUC1/CAJA1`, /not both/],
      [
        "STAFF_API_KEYS",
        `merchant-key-0123456789abcdef@SUC1@merchant:${MERCHANT}`,
        /cannot be bound to a store/,
      ],
    ];
    for (const [name, entry, message] of cases) {
      const problems = problemsOf({ ...PLATFORM, [name]: entry });
      expect(problems, entry).toEqual([expect.stringMatching(message)]);
      expect(problems[0]).toMatch(new RegExp(`^${name}: entry 1: `));
      expect(problems.join()).not.toContain("merchant-key-0123456789abcdef");
    }
  });
});
