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
