import { mkdirSync, openSync, closeSync, writeFileSync, readFileSync, unlinkSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { applyMigrations, pgRunner, type ApplyResult } from "./migrate.ts";

export const MIGRATIONS_DIR = new URL("../../prisma/migrations", import.meta.url).pathname;

export type Db = PrismaClient;

export interface Database {
  url: string;
  embedded: boolean;
  prisma: Db;
  close(): Promise<void>;
}

/** Brings the schema at `url` up to date. */
export async function migrate(url: string): Promise<ApplyResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await applyMigrations(pgRunner(client), MIGRATIONS_DIR);
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
export function statementNames(limit = MAX_NAMED_STATEMENTS): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return (query) => {
    let name = names.get(query.sql);
    if (name === undefined && names.size < limit) {
      name = `prisma_${names.size}`;
      names.set(query.sql, name);
    }
    return name as string;
  };
}

/**
 * `prepared: false` for the embedded database: PGlite serves every socket from one session, where
 * two pooled connections preparing the same name would collide.
 */
export function createPrisma(url: string, poolSize = 10, prepared = true): Db {
  return new PrismaClient({
    adapter: new PrismaPg(
      { connectionString: url, max: poolSize },
      prepared ? { statementNameGenerator: statementNames() } : {},
    ),
  });
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
  const prisma = createPrisma(url, poolSize, false);
  return {
    url,
    embedded: true,
    prisma,
    close: async () => {
      await prisma.$disconnect();
      await server.stop();
      await lite.close();
      unlock();
    },
  };
}
