import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/**
 * Applies prisma/migrations the way `prisma migrate deploy` does, writing `_prisma_migrations`
 * identically (same DDL, advisory lock, checksum and row lifecycle). Prisma 7's own migrate
 * commands need a native engine that cannot always be downloaded; with this applier the service
 * migrates itself at boot, and `prisma migrate deploy` stays valid on the same database.
 */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** Runs a multi-statement script in one simple-protocol round trip (one implicit transaction). */
  exec(script: string): Promise<unknown>;
}

interface PgLikeClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export function pgRunner(client: PgLikeClient): SqlRunner {
  return {
    query: (sql, params) => client.query(sql, params),
    exec: (script) => client.query(script),
  };
}

const LOCK_ID = 72707369; // the advisory lock id prisma-engines takes for migrations on Postgres
const CREATE_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);
`;

export interface MigrationFile {
  name: string;
  script: string;
  checksum: string;
}

export function checksum(script: string): string {
  return createHash("sha256").update(script, "utf8").digest("hex");
}

export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b)); // the order Prisma's CLI uses
  const out: MigrationFile[] = [];
  for (const name of names) {
    const script = await readFile(path.join(dir, name, "migration.sql"), "utf8");
    out.push({ name, script, checksum: checksum(script) });
  }
  return out;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export interface ApplyResult {
  applied: string[];
  /** applied migrations whose file changed since: reported, never re-run (as Prisma warns) */
  modified: string[];
}

/**
 * `transactionLock`: behind a transaction-mode pooler a session-level advisory lock would stay on
 * whichever server connection took it (and its unlock could land on another), blocking every
 * later migration. There the whole run is one transaction, which the pooler keeps on one server
 * connection, under a transaction-level lock that ends with it; each migration runs under a
 * savepoint so a failed one is still recorded (finished_at NULL, its logs) as Prisma does.
 */
export async function applyMigrations(
  db: SqlRunner,
  migrationsDir: string,
  opts: { transactionLock?: boolean } = {},
): Promise<ApplyResult> {
  const migrations = await readMigrations(migrationsDir);
  if (!opts.transactionLock) {
    await db.query(`SELECT pg_advisory_lock(${LOCK_ID})`);
    try {
      return await applyPending(db, migrations, false);
    } finally {
      await db.query(`SELECT pg_advisory_unlock(${LOCK_ID})`);
    }
  }
  await db.query("BEGIN");
  try {
    await db.query(`SELECT pg_advisory_xact_lock(${LOCK_ID})`);
    const result = await applyPending(db, migrations, true);
    await db.query("COMMIT");
    return result;
  } catch (err) {
    // a failed migration has committed its record already; anything else is undone
    await db.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

/** clock_timestamp(), not now(): in one transaction now() is the same for every migration. */
async function applyPending(
  db: SqlRunner,
  migrations: MigrationFile[],
  inTransaction: boolean,
): Promise<ApplyResult> {
  const { rows: tables } = await db.query(
    `SELECT tbl.relname::text AS table_name FROM pg_class AS tbl
       JOIN pg_namespace AS ns ON ns.oid = tbl.relnamespace
      WHERE tbl.relkind = 'r' AND ns.nspname = current_schema()`,
  );
  if (!tables.some((t) => t.table_name === "_prisma_migrations")) {
    if (tables.length > 0) {
      throw new Error(
        "P3005: the database schema is not empty and has no _prisma_migrations table; baseline it first",
      );
    }
    await db.exec(CREATE_TABLE);
  }
  const rows = (
    await db.query(
      `SELECT migration_name, checksum, finished_at, rolled_back_at
         FROM _prisma_migrations ORDER BY started_at ASC`,
    )
  ).rows as unknown as MigrationRow[];
  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed.length > 0) {
    throw new Error(
      `P3009: found failed migrations in the target database: ${failed.map((f) => f.migration_name).join(", ")}`,
    );
  }
  const live = rows.filter((r) => r.rolled_back_at === null);
  const modified = migrations
    .filter((m) => live.some((r) => r.migration_name === m.name && r.checksum !== m.checksum))
    .map((m) => m.name);
  const applied: string[] = [];
  for (const m of migrations) {
    if (live.some((r) => r.migration_name === m.name)) continue;
    const id = randomUUID();
    await db.query(
      `INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES ($1, $2, clock_timestamp(), $3)`,
      [id, m.checksum, m.name],
    );
    if (inTransaction) await db.query("SAVEPOINT migration");
    try {
      await db.exec(m.script);
    } catch (err) {
      if (inTransaction) await db.query("ROLLBACK TO SAVEPOINT migration");
      await db.query(`UPDATE _prisma_migrations SET logs = $2 WHERE id = $1`, [id, String(err)]);
      if (inTransaction) await db.query("COMMIT");
      throw new Error(`migration ${m.name} failed: ${String(err)}`, { cause: err });
    }
    if (inTransaction) await db.query("RELEASE SAVEPOINT migration");
    await db.query(
      `UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1 WHERE id = $1`,
      [id],
    );
    await db.query(`UPDATE _prisma_migrations SET finished_at = clock_timestamp() WHERE id = $1`, [
      id,
    ]);
    applied.push(m.name);
  }
  return { applied, modified };
}
