// Counts, not guesses: SQL statements and transactions as the counting proxy in front of
// PostgreSQL saw them (bench/pg-counter.ts), and Mercado Pago calls as the simulator logged them
// (its request log numbers every /mp request), taken before and after a phase's window.
import path from "node:path";
import { HOST, freePort, startNode, waitForHttp, type Child } from "./proc.ts";
import { workDir } from "./session.ts";
import { API_KEY, ROOT } from "./settings.ts";

export interface Counts {
  /** simple queries and executes, BEGIN/COMMIT/ROLLBACK included */
  statements: number;
  /** of those, BEGIN/COMMIT/ROLLBACK sent as simple queries */
  control: number;
  transactions: number;
  /** requests the simulator's Mercado Pago API answered */
  upstream: number;
}

/** A window's counts divided by what it did (sales created, settled, reconciled). */
export interface PerItem {
  items: number;
  /** SQL statements, BEGIN/COMMIT/ROLLBACK not counted */
  statements: number;
  transactions: number;
  upstream: number;
}

export interface Counter {
  child: Child;
  /** the database URL through the proxy */
  databaseUrl: string;
  read(): Promise<Omit<Counts, "upstream">>;
}

export async function startCounter(databaseUrl: string): Promise<Counter> {
  const target = new URL(databaseUrl);
  const port = await freePort();
  const statsPort = await freePort();
  const child = startNode(
    "pg-counter",
    ["--import", "tsx", path.join(ROOT, "bench/pg-counter.ts")],
    {
      PATH: process.env.PATH,
      PORT: String(port),
      STATS_PORT: String(statsPort),
      TARGET_URL: `postgresql://${target.hostname}:${target.port || 5432}`,
      ...(process.env.BENCH_COUNT_STATEMENTS === "1"
        ? { STATEMENTS_FILE: path.join(workDir, `pg-statements-${port}.json`) }
        : {}),
    },
    path.join(workDir, "pg-counter.log"),
  );
  const statsUrl = `http://${HOST}:${statsPort}/counts`;
  await waitForHttp(statsUrl, child);
  const proxied = new URL(databaseUrl);
  proxied.hostname = HOST;
  proxied.port = String(port);
  return {
    child,
    databaseUrl: proxied.toString(),
    async read() {
      const res = await fetch(statsUrl);
      return (await res.json()) as Omit<Counts, "upstream">;
    },
  };
}

/** How many /mp requests the simulator has answered so far (its log's last number). */
export async function upstreamCount(simUrl: string): Promise<number> {
  const res = await fetch(`${simUrl}/api/requests`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  if (!res.ok) throw new Error(`simulator request log: ${res.status}`);
  const body = (await res.json()) as { requests: { seq: number }[] };
  return body.requests.at(-1)?.seq ?? 0;
}

export async function countsOf(counter: Counter, simUrl: string): Promise<Counts> {
  const [sql, upstream] = await Promise.all([counter.read(), upstreamCount(simUrl)]);
  return { ...sql, upstream };
}

export function perItem(before: Counts, after: Counts, items: number): PerItem {
  const per = (n: number) => (items > 0 ? n / items : NaN);
  return {
    items,
    statements: per(after.statements - after.control - (before.statements - before.control)),
    transactions: per(after.transactions - before.transactions),
    upstream: per(after.upstream - before.upstream),
  };
}
