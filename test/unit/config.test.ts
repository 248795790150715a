import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";

describe("loadConfig", () => {
  it("starts on embedded defaults with no environment at all", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      env: "development",
      port: 3000,
      databaseUrl: undefined,
      publicBaseUrl: "http://localhost:3000",
      orderTtlSeconds: 600,
      reconcileAfterMs: 30_000,
      reconcileIntervalMs: 5_000,
      rateLimitPerMinute: undefined,
      logLevel: "info",
      apiKeys: [],
    });
    expect(c.mercadoPago).toMatchObject({
      mode: "simulator",
      baseUrl: "https://api.mercadopago.com",
      timeoutMs: 5000,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("uses the live API when a token and collector id are given", () => {
    const c = loadConfig({
      MP_ACCESS_TOKEN: "APP_USR-x",
      MP_COLLECTOR_ID: "123",
      PORT: "8080",
      PUBLIC_BASE_URL: "https://pos.example.com/",
      API_KEYS: " key-aaaaaaaaaaaaaaaa , key-bbbbbbbbbbbbbbbb ,",
    });
    expect(c.mercadoPago.mode).toBe("live");
    expect(c.publicBaseUrl).toBe("https://pos.example.com");
    expect(c.apiKeys).toEqual(["key-aaaaaaaaaaaaaaaa", "key-bbbbbbbbbbbbbbbb"]);
  });

  it("lists every bad variable at once", () => {
    let error: unknown;
    try {
      loadConfig({
        NODE_ENV: "production",
        PORT: "http",
        MP_ACCESS_TOKEN: "APP_USR-x",
        DATABASE_URL: "mysql://x",
        ORDER_TTL_SECONDS: "5",
        LOG_LEVEL: "loud",
        MP_BASE_URL: "ftp://x",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.split(":")[0]);
    expect(names.sort()).toEqual(
      [
        "API_KEYS",
        "DATABASE_URL",
        "LOG_LEVEL",
        "MP_BASE_URL",
        "MP_COLLECTOR_ID",
        "ORDER_TTL_SECONDS",
        "PORT",
      ].sort(),
    );
  });

  it("outside development the simulator runs only when asked for, and then needs keys", () => {
    const keys = { API_KEYS: "full-key-0123456789abcdef" };
    for (const NODE_ENV of ["production", "test"]) {
      expect(() => loadConfig({ NODE_ENV, ...keys })).toThrow(
        new RegExp(`MP_ACCESS_TOKEN: is required when NODE_ENV is ${NODE_ENV} .*MP_SIMULATOR=true`),
      );
      const sim = loadConfig({ NODE_ENV, ...keys, MP_SIMULATOR: "true" });
      expect(sim.mercadoPago).toMatchObject({ mode: "simulator", simulatorNeedsKey: true });
      const live = loadConfig({
        NODE_ENV,
        ...keys,
        MP_ACCESS_TOKEN: "APP_USR-x",
        MP_COLLECTOR_ID: "1",
        PUBLIC_BASE_URL: "https://pos.example.com",
      });
      expect(live.mercadoPago.mode).toBe("live");
    }
    // development: unchanged, open simulator with nothing set
    expect(loadConfig({}).mercadoPago).toMatchObject({
      mode: "simulator",
      simulatorNeedsKey: false,
    });
    expect(() => loadConfig({ MP_SIMULATOR: "yes" })).toThrow(
      /MP_SIMULATOR: must be true or false/,
    );
    expect(() =>
      loadConfig({ MP_SIMULATOR: "true", MP_ACCESS_TOKEN: "APP_USR-x", MP_COLLECTOR_ID: "1" }),
    ).toThrow(/MP_SIMULATOR: cannot be true when MP_ACCESS_TOKEN is set/);
  });

  it("refuses short API keys", () => {
    expect(() => loadConfig({ API_KEYS: "short" })).toThrow(/API_KEYS/);
  });

  it("treats empty strings as unset", () => {
    const c = loadConfig({ DATABASE_URL: "", MP_ACCESS_TOKEN: "", RATE_LIMIT_PER_MINUTE: "" });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.mercadoPago.mode).toBe("simulator");
    expect(c.rateLimitPerMinute).toBeUndefined();
  });
});

describe("boot checks that say what to do", () => {
  const prod = {
    NODE_ENV: "production",
    API_KEYS: "full-key-0123456789abcdef",
    MP_ACCESS_TOKEN: "APP_USR-1234567890123456-112811-abcdef-123456789",
    MP_COLLECTOR_ID: "123456789",
    PUBLIC_BASE_URL: "https://pos.example.com",
  };
  function problems(env: Record<string, string>): string[] {
    try {
      loadConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  }

  it("MP_API and MP_QR_MODE: defaults, values, and what they need", () => {
    expect(loadConfig({}).mercadoPago).toMatchObject({ api: "instore_v2", qrMode: "static" });
    expect(loadConfig({ MP_API: "orders", MP_QR_MODE: "hybrid" }).mercadoPago).toMatchObject({
      api: "orders",
      qrMode: "hybrid",
    });
    expect(problems({ MP_API: "v3" })).toEqual(["MP_API: must be instore_v2 or orders"]);
    expect(problems({ MP_API: "orders", MP_QR_MODE: "x" })).toEqual([
      "MP_QR_MODE: must be static, hybrid or dynamic",
    ]);
    expect(problems({ MP_QR_MODE: "dynamic" })).toEqual([
      "MP_QR_MODE: dynamic needs MP_API=orders (instore orders v2 only has the POS's static QR)",
    ]);
    // Orders API notifications are told from forged ones by their signature alone
    expect(problems({ ...prod, MP_API: "orders" })).toEqual([
      expect.stringMatching(/^MP_WEBHOOK_SIGNING_SECRET: is required with MP_API=orders/),
    ]);
    expect(
      problems({
        ...prod,
        MP_API: "orders",
        MP_WEBHOOK_SIGNING_SECRET: "signing-secret-0123456789",
      }),
    ).toEqual([]);
    expect(problems({ MP_API: "orders" })).toEqual([]); // development
  });

  it("a live production set-up with a public HTTPS address starts", () => {
    expect(problems(prod)).toEqual([]);
    expect(
      problems({ ...prod, MP_ACCESS_TOKEN: "TEST-1234567890123456-112811-abcdef-12345" }),
    ).toEqual([]);
  });

  it("PUBLIC_BASE_URL without a scheme names the absolute URL it expects", () => {
    expect(problems({ ...prod, PUBLIC_BASE_URL: "pos.example.com" })).toEqual([
      "PUBLIC_BASE_URL: expected an absolute URL such as https://pos.example.com",
    ]);
    // in development too: the check is on the form, not on reachability
    expect(problems({ PUBLIC_BASE_URL: "pos.example.com/shop" })).toEqual([
      "PUBLIC_BASE_URL: expected an absolute URL such as https://pos.example.com",
    ]);
  });

  it("with a token outside development PUBLIC_BASE_URL must be public HTTPS", () => {
    expect(problems({ ...prod, PUBLIC_BASE_URL: "http://pos.example.com" })).toEqual([
      "PUBLIC_BASE_URL: must be https:// (Mercado Pago only notifies public HTTPS URLs)",
    ]);
    for (const host of [
      "localhost",
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.5",
      "192.168.1.10",
      "[::1]",
      "[fd00::1]",
      "pos",
      "pos.local",
    ]) {
      const bare = host.replace(/^\[|\]$/g, "");
      expect(
        problems({ ...prod, NODE_ENV: "test", PUBLIC_BASE_URL: `https://${host}:8443` }),
      ).toEqual([
        `PUBLIC_BASE_URL: ${bare} is a loopback or private address that Mercado Pago cannot reach; use the public HTTPS address of this service`,
      ]);
    }
    const withoutUrl: Record<string, string> = { ...prod };
    delete withoutUrl.PUBLIC_BASE_URL;
    expect(problems(withoutUrl)).toEqual([
      "PUBLIC_BASE_URL: is required when NODE_ENV is production with MP_ACCESS_TOKEN: the public HTTPS address where Mercado Pago sends notifications, such as https://pos.example.com",
    ]);
    // development, or an upstream other than Mercado Pago's API (a staging fake), may be local
    expect(
      problems({ ...prod, NODE_ENV: "development", PUBLIC_BASE_URL: "http://localhost:3000" }),
    ).toEqual([]);
    expect(
      problems({
        ...prod,
        MP_BASE_URL: "http://127.0.0.1:9999",
        PUBLIC_BASE_URL: "http://127.0.0.1:3000",
      }),
    ).toEqual([]);
  });

  it("a token that is not APP_USR-… or TEST-… is refused without echoing it", () => {
    for (const token of [
      "APP_USR_1234",
      "pk_live_abc",
      "Bearer APP_USR-123",
      '"APP_USR-123"',
      "client-secret-xyz",
    ]) {
      const found = problems({ ...prod, MP_ACCESS_TOKEN: token });
      expect(found).toEqual([
        "MP_ACCESS_TOKEN: does not look like a Mercado Pago access token (APP_USR-… or TEST-…); copy the Access Token from Your integrations > Credentials, not the Public Key or Client Secret",
      ]);
      expect(found.join("\n")).not.toContain(token);
    }
  });

  it("MP_VERIFY_CREDENTIALS: true by default in production only, and only with a token", () => {
    expect(loadConfig(prod).mercadoPago.verifyCredentials).toBe(true);
    expect(
      loadConfig({ ...prod, MP_VERIFY_CREDENTIALS: "false" }).mercadoPago.verifyCredentials,
    ).toBe(false);
    expect(loadConfig({ ...prod, NODE_ENV: "test" }).mercadoPago.verifyCredentials).toBe(false);
    expect(
      loadConfig({ ...prod, NODE_ENV: "test", MP_VERIFY_CREDENTIALS: "true" }).mercadoPago
        .verifyCredentials,
    ).toBe(true);
    expect(loadConfig({ MP_VERIFY_CREDENTIALS: "true" }).mercadoPago.verifyCredentials).toBe(false);
    expect(problems({ ...prod, MP_VERIFY_CREDENTIALS: "yes" })).toEqual([
      "MP_VERIFY_CREDENTIALS: must be true or false",
    ]);
  });

  it("every problem is still listed at once", () => {
    expect(
      problems({
        ...prod,
        MP_ACCESS_TOKEN: "pk_live_abc",
        PUBLIC_BASE_URL: "http://10.0.0.2",
        PORT: "x",
      })
        .map((p) => p.split(":")[0])
        .sort(),
    ).toEqual(["MP_ACCESS_TOKEN", "PORT", "PUBLIC_BASE_URL"]);
  });
});
