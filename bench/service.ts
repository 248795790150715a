// The service under load: a database of its own, the simulator in a process of its own (or the
// service's built-in one), the service built from dist/, and how all three are stopped.
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { countsOf, startCounter, type Counter, type Counts } from "./counts.ts";
import { HOST, freePort, startNode, waitForHttp, type Child } from "./proc.ts";
import { cleanups, workDir } from "./session.ts";
import {
  ADMIN_URL,
  API_KEY,
  CPU_PROF,
  LOG_LEVEL,
  ROOT,
  SIMULATOR,
  WEBHOOK_SECRET,
} from "./settings.ts";

export interface Service {
  child: Child;
  url: string;
  /** where the simulator's router is: its page and helpers are under it */
  simUrl: string;
  db: pg.Client;
  dbName: string;
  /** the prefix of the POS ids the phases make: "B" for the service, "F" for the floor */
  tag: string;
  /** the database through the counting proxy, as the service reaches it */
  databaseUrl: string;
  /** the simulator's credentials and URL as the service was given them (null: inline) */
  mpEnv: Record<string, string> | null;
  /** SQL statements, transactions and Mercado Pago calls counted so far */
  counts(): Promise<Counts>;
  cleanup(): Promise<void>;
}

async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** BENCH_SERVICE_ENV="NAME=value,NAME=value": more environment for the service (experiments). */
function extraServiceEnv(): Record<string, string> {
  const raw = process.env.BENCH_SERVICE_ENV ?? "";
  const pairs = raw
    .split(",")
    .filter((p) => p.includes("="))
    .map((p) => [p.slice(0, p.indexOf("=")).trim(), p.slice(p.indexOf("=") + 1)] as const);
  return Object.fromEntries(pairs);
}

/** The simulator in its own process; the service then talks to it as to Mercado Pago. */
async function startSimulator(): Promise<{
  child: Child;
  url: string;
  env: Record<string, string>;
}> {
  const port = await freePort();
  const accessToken = `APP_USR-bench-${randomBytes(16).toString("hex")}`;
  const collectorId = "100000001";
  const child = startNode(
    "simulator",
    ["--import", "tsx", path.join(ROOT, "bench/simulator-server.ts")],
    {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      PORT: String(port),
      SIM_ACCESS_TOKEN: accessToken,
      SIM_COLLECTOR_ID: collectorId,
    },
    path.join(workDir, "simulator.log"),
  );
  const url = `http://${HOST}:${port}/simulator`;
  await waitForHttp(`${url}/api/faults`, child);
  return {
    child,
    url,
    env: { MP_ACCESS_TOKEN: accessToken, MP_COLLECTOR_ID: collectorId, MP_BASE_URL: `${url}/mp` },
  };
}

export async function startService(): Promise<Service> {
  const database = await createDatabase();
  const simulator =
    SIMULATOR === "process"
      ? await startSimulator().catch(async (err: unknown) => {
          await dropDatabase(database.name);
          throw err;
        })
      : null;
  let counter: Counter;
  try {
    counter = await startCounter(database.url);
  } catch (err) {
    await simulator?.child.stop();
    await dropDatabase(database.name);
    throw err;
  }
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    PORT: String(port),
    // through the counting proxy: the bench counts what the service sends
    DATABASE_URL: counter.databaseUrl,
    API_KEYS: API_KEY,
    WEBHOOK_SECRET,
    LOG_LEVEL,
    PUBLIC_BASE_URL: url,
    DATA_DIR: path.join(workDir, "data"),
    // The reconciler stays out of the way of the notification path until the reconciliation
    // phase makes its sales due; a short interval so that phase does not wait for a tick.
    RECONCILE_AFTER_MS: "600000",
    RECONCILE_INTERVAL_MS: "1000",
    // the heap cap the Dockerfile sets
    NODE_OPTIONS: "--max-old-space-size=192",
    // inline: the service's own simulator, whose helpers then take the full-access key
    ...(simulator ? simulator.env : { MP_SIMULATOR: "true" }),
    ...extraServiceEnv(),
  };
  const args = [
    ...(CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${path.join(workDir, "profiles")}`] : []),
    process.env.BENCH_SERVICE_MAIN ?? path.join(ROOT, "dist/main.js"),
  ];
  const child = startNode("service", args, env, path.join(workDir, "service.log"));
  const cleanup = async () => {
    await child.stop();
    await simulator?.child.stop();
    await counter.child.stop();
    await dropDatabase(database.name);
  };
  cleanups.add(cleanup);
  try {
    await waitForHttp(`${url}/ready`, child);
  } catch (err) {
    cleanups.delete(cleanup);
    await cleanup();
    throw err;
  }
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const simUrl = simulator?.url ?? `${url}/simulator`;
  return {
    child,
    url,
    simUrl,
    db,
    dbName: database.name,
    tag: "B",
    databaseUrl: counter.databaseUrl,
    mpEnv: simulator?.env ?? null,
    counts: () => countsOf(counter, simUrl),
    cleanup,
  };
}

export async function stopService(s: Service): Promise<void> {
  cleanups.delete(s.cleanup);
  await s.db.end().catch(() => undefined);
  await s.cleanup();
}
