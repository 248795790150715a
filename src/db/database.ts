import { mkdirSync, openSync, closeSync, writeFileSync, readFileSync, unlinkSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { applyMigrations, pgRunner, type ApplyResult } from "./migrate.ts";

export const MIGRATIONS_DIR = new URL("../../prisma/migrations", import.meta.url).pathname;

export type Db = PrismaClient;

/** A notice (NOTIFY) that reached one of the pool's connections. */
export type NoticeHandler = (channel: string, payload: string | undefined) => void;

export interface Database {
  url: string;
  embedded: boolean;
  prisma: Db;
  close(): Promise<void>;
  /**
   * Embedded only: PGlite serves every socket from one session, so a notice reaches the
   * connection whose statement raised it, not a LISTEN connection of its own. `listen` issues
   * LISTEN on that session; `onNotice` receives what the pool's connections are sent.
   */
  notices?: { listen(channel: string): Promise<void>; onNotice(h: NoticeHandler): void };
}

/**
 * Bounds on every wait for the database, so a frozen network (a dead host, a dropped route) turns
 * into an error the caller can answer with instead of a request, /ready or boot that hangs.
 * Opening a connection, or waiting for a free one in the pool, takes at most `connectMs`.
 * A query gets `queryMs` from the client's side (pg's query_timeout): it holds whatever sits
 * between us and Postgres, a pooler included, and catches an answer that never comes back. On a
 * direct connection Postgres also stops the statement itself a little earlier (statement_timeout,
 * a startup parameter), so it neither keeps running nor holds locks after we gave up; PgBouncer
 * refuses that startup parameter, so behind it only the client-side bound applies.
 */
export const DB_TIMEOUTS = { connectMs: 5_000, statementMs: 8_000, queryMs: 10_000 } as const;

/** Where DATABASE_URL points, and how to talk to it. */
export interface DatabaseTarget {
  /** what pg is given: the URL without Prisma's `pgbouncer` flag */
  connectionString: string;
  /** `pgbouncer=true`: behind a transaction-mode pooler, so no state may outlive a transaction */
  pooled: boolean;
  host: string;
  port: number;
  database: string;
}

/** Reads DATABASE_URL; `pgbouncer=true` in its query is Prisma's convention for a pooler. */
export function databaseTarget(url: string): DatabaseTarget {
  const parsed = new URL(url);
  const pooled = parsed.searchParams.get("pgbouncer") === "true";
  parsed.searchParams.delete("pgbouncer");
  return {
    connectionString: parsed.toString(),
    pooled,
    host: decodeURIComponent(parsed.hostname) || "localhost",
    port: Number(parsed.port || 5432),
    database: decodeURIComponent(parsed.pathname.slice(1)),
  };
}

/**
 * Every connection runs in UTC, whatever zone the server or the database was given (initdb takes
 * the host's). adapter-pg sends a Date as text without an offset ("2026-11-28 10:00:00.000", UTC
 * wall-clock time), which Postgres reads in the session's zone, and it reads timestamptz results
 * back by dropping the offset Postgres prints in that zone: outside UTC every stored instant moves
 * by the zone's offset while the API still shows the right time, and every `<= now()` in SQL is
 * wrong. A `SET` rather than the `options` startup parameter: PgBouncer refuses unknown startup
 * parameters, but tracks TimeZone set this way and re-applies it on whichever server connection
 * serves this client. The embedded database serves all sockets from one session, where this is
 * the same setting made again.
 */
export const SESSION_IN_UTC = "SET TIME ZONE 'UTC'";

async function inUtc(client: pg.ClientBase): Promise<void> {
  await client.query(SESSION_IN_UTC);
}

/**
 * Brings the schema at `url` up to date, on one connection of its own. Behind a pooler the
 * migration runs as one transaction with a transaction-level lock (see applyMigrations).
 */
export async function migrate(url: string): Promise<ApplyResult> {
  const target = databaseTarget(url);
  const client = new pg.Client({
    connectionString: target.connectionString,
    connectionTimeoutMillis: DB_TIMEOUTS.connectMs,
  });
  await client.connect();
  try {
    await inUtc(client);
    return await applyMigrations(pgRunner(client), MIGRATIONS_DIR, {
      transactionLock: target.pooled,
    });
  } finally {
    await client.end();
  }
}

/** Most query texts given a prepared statement name; the rest run unnamed. */
const MAX_NAMED_STATEMENTS = 256;

/**
 * Names for prepared statements, so Postgres parses and plans each query text once per
 * connection instead of on every call (about twice the lookups a second on the bench machine).
 * Texts that vary with their input (IN lists, multi-row VALUES) would make names without end, so
 * only the first few hundred distinct texts get one; the adapter hands the name to pg, where
 * `undefined` means an unnamed statement.
 */
export function statementNames(
  limit = MAX_NAMED_STATEMENTS,
  prefix = "prisma_",
): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return (query) => {
    let name = names.get(query.sql);
    if (name === undefined && names.size < limit) {
      name = `${prefix}${names.size}`;
      names.set(query.sql, name);
    }
    return name as string;
  };
}

/**
 * The pool behind Prisma, with the bounds of DB_TIMEOUTS and every connection in UTC.
 * `embedded`: PGlite through pglite-socket, one session for every socket.
 */
export function createPool(
  url: string,
  poolSize = 10,
  embedded = false,
  onNotice?: NoticeHandler,
): pg.Pool {
  const target = databaseTarget(url);
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: poolSize,
    connectionTimeoutMillis: DB_TIMEOUTS.connectMs,
    query_timeout: DB_TIMEOUTS.queryMs,
    ...(target.pooled || embedded ? {} : { statement_timeout: DB_TIMEOUTS.statementMs }),
    keepAlive: true,
    onConnect: async (client) => {
      if (onNotice) client.on("notification", (n) => onNotice(n.channel, n.payload));
      await inUtc(client);
    },
  });
  // an idle connection that breaks is dropped by the pool; the next query opens a new one
  pool.on("error", () => {});
  return pool;
}

/**
 * The pg pool behind a Prisma client, for the few hottest statements that skip the ORM (its
 * per-query cost is several times the statement's own): the same connections, bounds and UTC
 * session. `named`: whether a prepared statement may be given a name (see createPrisma).
 */
export interface DirectPg {
  pool: pg.Pool;
  named: boolean;
  /**
   * The prepared statement's name for a text sent through the pool (undefined: unnamed). Its
   * own prefix: Prisma names its statements on the same connections.
   */
  nameOf(text: string): string | undefined;
}

const directPools = new WeakMap<Db, DirectPg>();

/**
 * The rows of one statement sent through pg itself, prepared once per connection where names
 * may be given; `q` is a Prisma.sql (its text has $n placeholders) or the like.
 */
export async function directRows<R>(
  direct: DirectPg,
  q: { text: string; values: unknown[] },
): Promise<R[]> {
  const { rows } = await direct.pool.query({
    name: direct.nameOf(q.text),
    text: q.text,
    values: q.values,
  });
  return rows as R[];
}

/** The pool of a client made by createPrisma; only repositories use it. */
export function directPg(db: Db): DirectPg {
  const direct = directPools.get(db);
  if (!direct) throw new Error("this Prisma client was not made by createPrisma: no pool to use");
  return direct;
}

/**
 * Named prepared statements live in one server session, so they are off where sessions are
 * shared: behind a transaction-mode pooler (each transaction may land on another server
 * connection, which already has or lacks the name: 42P05 / 26000) and on the embedded database
 * (PGlite serves every socket from one session, where two pooled connections would collide).
 */
export function createPrisma(
  url: string,
  poolSize = 10,
  embedded = false,
  onNotice?: NoticeHandler,
): Db {
  const named = !embedded && !databaseTarget(url).pooled;
  const pool = createPool(url, poolSize, embedded, onNotice);
  const prisma = new PrismaClient({
    adapter: new PrismaPg(
      pool,
      named
        ? { statementNameGenerator: statementNames(), disposeExternalPool: true }
        : { disposeExternalPool: true },
    ),
  });
  pools.set(prisma, pool);
  const direct = statementNames(MAX_NAMED_STATEMENTS, "direct_");
  directPools.set(prisma, {
    pool,
    named,
    nameOf: (text) => (named ? direct({ sql: text }) : undefined),
  });
  return prisma;
}

const pools = new WeakMap<Db, pg.Pool>();

/** The pool behind a client made by createPrisma (its connection counts are metrics). */
export function poolOf(prisma: Db): pg.Pool | undefined {
  return pools.get(prisma);
}

export interface FailedTry {
  attempt: number;
  host: string;
  port: number;
  error: string;
  /** null: no time is left, boot gives up */
  retryInMs: number | null;
}

/**
 * Waits at boot for the database at `url` to answer, for up to `timeoutMs`: a database started
 * next to the service (compose, a restarting managed instance) is often not up yet. Each try is
 * bounded by DB_TIMEOUTS.connectMs, so a frozen host costs no more than a refusing one. Reports
 * each failed try with host and port only (the URL holds the password); at the end the error
 * names DATABASE_URL, where the fix usually is.
 */
export async function waitForDatabase(
  url: string,
  opts: { timeoutMs: number; onFailedTry(t: FailedTry): void },
): Promise<void> {
  const target = databaseTarget(url);
  const password = decodeURIComponent(new URL(url).password);
  const scrub = (text: string) => (password ? text.replaceAll(password, "***") : text);
  const deadline = Date.now() + opts.timeoutMs;
  let last: string;
  for (let attempt = 1; ; attempt++) {
    const left = deadline - Date.now();
    const client = new pg.Client({
      connectionString: target.connectionString,
      connectionTimeoutMillis: Math.max(1, Math.min(DB_TIMEOUTS.connectMs, left)),
      query_timeout: Math.max(1, Math.min(DB_TIMEOUTS.connectMs, left)),
    });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (err) {
      last = scrub(err instanceof Error ? err.message : String(err));
    } finally {
      await client.end().catch(() => {});
    }
    const remaining = deadline - Date.now();
    const retryInMs = remaining > 0 ? Math.min(500 * 2 ** (attempt - 1), 5_000, remaining) : null;
    opts.onFailedTry({ attempt, host: target.host, port: target.port, error: last, retryInMs });
    if (retryInMs === null) break;
    await new Promise((resolve) => setTimeout(resolve, retryInMs));
  }
  throw new Error(
    `the database named by DATABASE_URL (${target.host}:${target.port}/${target.database}) did ` +
      `not answer within ${Math.round(opts.timeoutMs / 1000)} s (last error: ${last}); check ` +
      "DATABASE_URL and that the database is up, or raise DATABASE_CONNECT_TIMEOUT_S",
  );
}

/**
 * PGlite has no lock on its data directory and two processes on one directory corrupt it, so the
 * embedded database takes a pid lock file and refuses to start while a live process holds it.
 */
function lockDataDir(dir: string): () => void {
  const lockFile = path.join(dir, "service.pid");
  try {
    const fd = openSync(lockFile, "wx");
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
  } catch {
    const holder = Number(readFileSync(lockFile, "utf8"));
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new Error(
        `the embedded database in ${dir} is in use by process ${holder}; stop it or set DATABASE_URL`,
      );
    }
    writeFileSync(lockFile, String(process.pid));
  }
  return () => {
    try {
      unlinkSync(lockFile);
    } catch {
      // already gone
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens the configured PostgreSQL, or, with no DATABASE_URL, an embedded PGlite under `dataDir`
 * served over a local socket so the same pg/adapter-pg path is used either way. Migrates first.
 */
export async function openDatabase(opts: {
  url: string | undefined;
  dataDir: string;
  poolSize?: number;
}): Promise<Database> {
  if (opts.url) {
    await migrate(opts.url);
    const prisma = createPrisma(opts.url, opts.poolSize);
    return { url: opts.url, embedded: false, prisma, close: () => prisma.$disconnect() };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const dir = path.resolve(opts.dataDir, "pglite");
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataDir(path.dirname(dir));
  const lite = await PGlite.create(dir);
  const poolSize = opts.poolSize ?? 10;
  // every pooled connection of this process must fit, or pg's extra connections are dropped
  const server = new PGLiteSocketServer({
    db: lite,
    host: "127.0.0.1",
    port: 0,
    maxConnections: poolSize + 8,
  });
  await server.start();
  const url = `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  await migrate(url);
  let deliver: NoticeHandler = () => {};
  const prisma = createPrisma(url, poolSize, true, (channel, payload) => deliver(channel, payload));
  return {
    url,
    embedded: true,
    prisma,
    notices: {
      async listen(channel) {
        if (!/^[a-z_]+$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
        await prisma.$executeRawUnsafe(`LISTEN ${channel}`);
      },
      onNotice(h) {
        deliver = h;
      },
    },
    close: async () => {
      await prisma.$disconnect();
      await server.stop();
      await lite.close();
      unlock();
    },
  };
}
