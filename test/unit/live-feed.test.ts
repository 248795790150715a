import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { chooseSaleFeed, parseSaleChange, reconnectDelayMs } from "../../src/live/sale-changes.ts";

const logger = pino({ level: "silent" });
const DIRECT = "postgresql://u@db:5432/pos";
const POOLED = "postgresql://u@bouncer:6432/pos?pgbouncer=true";

describe("where live updates come from", () => {
  it("listens on DATABASE_URL when it is direct", () => {
    const { feed, unavailable } = chooseSaleFeed({
      databaseUrl: DIRECT,
      directUrl: undefined,
      logger,
    });
    expect(feed).not.toBeNull();
    expect(unavailable).toBeUndefined();
  });

  it("behind a pooler, listens on DATABASE_DIRECT_URL", () => {
    const { feed, unavailable } = chooseSaleFeed({
      databaseUrl: POOLED,
      directUrl: DIRECT,
      logger,
    });
    expect(feed).not.toBeNull();
    expect(unavailable).toBeUndefined();
  });

  it("behind a pooler without a direct URL, live routes are refused naming the variable", () => {
    const { feed, unavailable } = chooseSaleFeed({
      databaseUrl: POOLED,
      directUrl: undefined,
      logger,
    });
    expect(feed).toBeNull();
    expect(unavailable).toMatch(/DATABASE_DIRECT_URL/);
  });

  it("DATABASE_DIRECT_URL must be direct, and comes with DATABASE_URL", () => {
    expect(() => loadConfig({ DATABASE_URL: POOLED, DATABASE_DIRECT_URL: POOLED })).toThrow(
      /DATABASE_DIRECT_URL: must reach the database directly/,
    );
    expect(() => loadConfig({ DATABASE_DIRECT_URL: DIRECT })).toThrow(ConfigError);
    expect(loadConfig({ DATABASE_URL: POOLED, DATABASE_DIRECT_URL: DIRECT })).toMatchObject({
      databaseDirectUrl: DIRECT,
      liveStreamsPerKey: 20,
    });
  });
});

describe("sale change notices", () => {
  it("reads the trigger's payload and nothing else", () => {
    expect(
      parseSaleChange('{"id":"u1","ref":"r1","status":"paid","store_id":"S","pos_id":"P"}'),
    ).toEqual({ id: "u1", externalReference: "r1", status: "paid", storeId: "S", posId: "P" });
    for (const bad of [undefined, "", "{", '{"id":"u1"}', "[]"]) {
      expect(parseSaleChange(bad)).toBeNull();
    }
  });

  it("reconnects after 250 ms, doubling up to 5 s", () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(reconnectDelayMs)).toEqual([
      250, 500, 1000, 2000, 4000, 5000, 5000,
    ]);
  });
});
