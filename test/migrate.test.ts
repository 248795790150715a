import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, pgRunner } from "../src/db/migrate.ts";
import { ADMIN_URL } from "./helpers.ts";

// The migration applier in both locking modes: the session lock on a direct connection, and one
// transaction under a transaction-level lock behind a transaction-mode pooler.

const LOCK_ID = 72707369;
let name: string;
let url: string;
let dir: string;

function migration(folder: string, sql: string) {
  mkdirSync(path.join(dir, folder), { recursive: true });
  writeFileSync(path.join(dir, folder, "migration.sql"), sql);
}

async function withClient<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  name = `test_migrate_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  url = u.toString();
  dir = mkdtempSync(path.join(tmpdir(), "migrations-"));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe("applyMigrations with a transaction-level lock (behind a pooler)", () => {
  it("applies in order with distinct start times, and records a failed one as Prisma does", async () => {
    migration("20260101000000_a", "CREATE TABLE a (id int);");
    migration("20260101000001_b", "CREATE TABLE b (id int);");
    migration("20260101000002_broken", "CREATE TABLE c (id int);\nSELECT no_such_column FROM a;");

    const failure = await withClient((c) =>
      applyMigrations(pgRunner(c), dir, { transactionLock: true }).catch((e: Error) => e),
    );
    expect(String(failure)).toMatch(/migration 20260101000002_broken failed/);

    const rows = await withClient(async (c) => {
      const r = await c.query(
        `SELECT migration_name, finished_at IS NOT NULL AS finished, logs, started_at
           FROM _prisma_migrations ORDER BY started_at`,
      );
      return r.rows as {
        migration_name: string;
        finished: boolean;
        logs: string | null;
        started_at: Date;
      }[];
    });
    expect(rows.map((r) => [r.migration_name, r.finished])).toEqual([
      ["20260101000000_a", true],
      ["20260101000001_b", true],
      ["20260101000002_broken", false],
    ]);
    expect(rows[2]!.logs).toMatch(/no_such_column/);
    expect(new Set(rows.map((r) => r.started_at.getTime())).size).toBe(3);
    // the good ones stay, the broken one left nothing behind
    const tables = await withClient(async (c) =>
      (
        await c.query(
          `SELECT relname::text AS t FROM pg_class WHERE relkind = 'r' AND relname IN ('a','b','c')
            ORDER BY 1`,
        )
      ).rows.map((r: { t: string }) => r.t),
    );
    expect(tables).toEqual(["a", "b"]);

    // the next run refuses, as prisma migrate deploy does (P3009), and no lock is left held
    const again = await withClient((c) =>
      applyMigrations(pgRunner(c), dir, { transactionLock: true }).catch((e: Error) => e),
    );
    expect(String(again)).toMatch(/P3009/);
    const held = await withClient(
      async (c) =>
        (
          await c.query(
            `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`,
            [LOCK_ID],
          )
        ).rows[0].n as number,
    );
    expect(held).toBe(0);
  });

  it("waits for a run holding the lock on another connection", async () => {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock(${LOCK_ID})`);
    let finished = false;
    const run = withClient((c) =>
      applyMigrations(pgRunner(c), dir, { transactionLock: true }).catch((e: Error) => e),
    ).then((r) => {
      finished = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(finished).toBe(false);
    await holder.query(`SELECT pg_advisory_unlock(${LOCK_ID})`);
    await holder.end();
    expect(String(await run)).toMatch(/P3009/);
  });
});
