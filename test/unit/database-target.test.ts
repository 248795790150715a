import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { databaseTarget } from "../../src/db/database.ts";

describe("databaseTarget", () => {
  it("reads Prisma's pgbouncer=true and keeps it from pg, with the rest of the query", () => {
    const t = databaseTarget(
      "postgresql://app:p%40ss@db.internal:6432/pos?pgbouncer=true&sslmode=require",
    );
    expect(t).toEqual({
      connectionString: "postgresql://app:p%40ss@db.internal:6432/pos?sslmode=require",
      pooled: true,
      host: "db.internal",
      port: 6432,
      database: "pos",
    });
  });

  it("a URL without the flag is a direct connection on the default port", () => {
    const t = databaseTarget("postgres://app@127.0.0.1/pos");
    expect(t.pooled).toBe(false);
    expect(t.port).toBe(5432);
    expect(databaseTarget("postgres://h/pos?pgbouncer=false").pooled).toBe(false);
  });
});

describe("DATABASE_CONNECT_TIMEOUT_S", () => {
  it("defaults to 30 s and takes whole seconds", () => {
    expect(loadConfig({}).databaseConnectTimeoutS).toBe(30);
    expect(loadConfig({ DATABASE_CONNECT_TIMEOUT_S: "5" }).databaseConnectTimeoutS).toBe(5);
  });

  it.each(["0", "-1", "1.5", "abc", "3601"])("refuses %s, naming the variable", (value) => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_CONNECT_TIMEOUT_S: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join("\n")).toMatch(/^DATABASE_CONNECT_TIMEOUT_S: /m);
  });
});
