import pg from "pg";
import type { Logger } from "pino";
import { z } from "zod";
import { DB_TIMEOUTS, databaseTarget, type Database } from "../db/database.ts";

/** The channel the `sales` trigger announces every change on (see its migration). */
export const SALE_CHANNEL = "sale_changed";

/** What the trigger says about a change: enough to route it; readers re-read the sale. */
export interface SaleChange {
  id: string;
  externalReference: string;
  status: string;
  storeId: string;
  posId: string;
}

export interface SaleChangeHandlers {
  change(c: SaleChange): void;
  /**
   * The feed was cut off (a database restart, a killed connection) and is back: changes made
   * meanwhile were not announced, so whoever listens reads the current state again.
   */
  resync(): void;
}

/** One process's view of every sale change, whichever replica (or writer) made it. */
export interface SaleChangeFeed {
  subscribe(h: SaleChangeHandlers): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const PayloadSchema = z.object({
  id: z.string(),
  ref: z.string(),
  status: z.string(),
  store_id: z.string(),
  pos_id: z.string(),
});

export function parseSaleChange(payload: string | undefined): SaleChange | null {
  try {
    const p = PayloadSchema.parse(JSON.parse(payload ?? ""));
    return {
      id: p.id,
      externalReference: p.ref,
      status: p.status,
      storeId: p.store_id,
      posId: p.pos_id,
    };
  } catch {
    return null;
  }
}

/** Fans one feed out to every subscriber; a subscriber that throws does not stop the others. */
function createFanOut(logger: Logger) {
  const subscribers = new Set<SaleChangeHandlers>();
  const each = (f: (h: SaleChangeHandlers) => void) => {
    for (const h of [...subscribers]) {
      try {
        f(h);
      } catch (err) {
        logger.error({ err }, "a sale change subscriber failed");
      }
    }
  };
  return {
    subscribe(h: SaleChangeHandlers) {
      subscribers.add(h);
      return () => void subscribers.delete(h);
    },
    notify(payload: string | undefined) {
      const change = parseSaleChange(payload);
      if (!change) {
        logger.warn({ payload: payload?.slice(0, 200) }, "unreadable sale change notice ignored");
        return;
      }
      each((h) => h.change(change));
    },
    resync: () => each((h) => h.resync()),
  };
}

/**
 * How often the LISTEN connection is asked a trivial query: a connection cut without a word (a
 * dropped route, a frozen host) would otherwise wait forever for notices that never come.
 */
const PROBE_INTERVAL_MS = 15_000;

/** Backoff between reconnects: 250 ms doubling to 5 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** Math.max(0, attempt - 1), 5_000);
}

/**
 * The process's one LISTEN connection: a dedicated pg.Client (LISTEN is session state, so neither
 * Prisma's pool nor a transaction-mode pooler can hold it). When the connection breaks it
 * reconnects with backoff, and once listening again tells every subscriber to re-read.
 */
export function createPgSaleFeed(opts: {
  /** a direct connection to the database (no pooler), without Prisma's flags */
  connectionString: string;
  logger: Logger;
}): SaleChangeFeed {
  const log = opts.logger.child({ component: "sale-feed" });
  const fan = createFanOut(log);
  let client: pg.Client | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let probe: NodeJS.Timeout | undefined;
  let attempt = 0;
  let everConnected = false;

  async function connect(): Promise<void> {
    const c = new pg.Client({
      connectionString: opts.connectionString,
      connectionTimeoutMillis: DB_TIMEOUTS.connectMs,
      query_timeout: DB_TIMEOUTS.connectMs,
      keepAlive: true,
      // how its connection is found in pg_stat_activity
      application_name: "mp-qr-pos-listener",
    });
    c.on("notification", (n) => {
      if (n.channel === SALE_CHANNEL) fan.notify(n.payload);
    });
    c.on("error", (err) => {
      log.warn({ err: err.message }, "the LISTEN connection broke");
      lost(c);
    });
    c.on("end", () => lost(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${SALE_CHANNEL}`);
    } catch (err) {
      c.removeAllListeners("end");
      await c.end().catch(() => {});
      throw err;
    }
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    attempt = 0;
    clearInterval(probe);
    probe = setInterval(() => {
      c.query("SELECT 1").catch((err: unknown) => {
        log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          "LISTEN connection silent",
        );
        lost(c);
      });
    }, PROBE_INTERVAL_MS);
    probe.unref();
    if (everConnected) {
      log.info("listening for sale changes again; live streams re-read their sales");
      fan.resync();
    }
    everConnected = true;
  }

  function lost(c: pg.Client): void {
    if (client !== c) return;
    client = null;
    clearInterval(probe);
    c.removeAllListeners("end");
    c.end().catch(() => {});
    schedule();
  }

  function schedule(): void {
    if (stopped || timer) return;
    attempt++;
    const delay = reconnectDelayMs(attempt);
    timer = setTimeout(() => {
      timer = undefined;
      connect().catch((err: unknown) => {
        log.warn(
          { err: err instanceof Error ? err.message : String(err), attempt },
          "cannot LISTEN for sale changes yet; retrying",
        );
        schedule();
      });
    }, delay);
  }

  return {
    subscribe: fan.subscribe,
    async start() {
      try {
        await connect();
      } catch (err) {
        // boot goes on: streams work once the connection is back
        log.warn({ err: err instanceof Error ? err.message : String(err) }, "LISTEN failed");
        everConnected = true;
        schedule();
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(probe);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners("end");
        await c.end().catch(() => {});
      }
    },
  };
}

/**
 * The embedded database (PGlite) runs one session for every socket: a notice goes back to the
 * connection whose statement raised it, never to a separate LISTEN connection. The pool's
 * connections hand their notices here (database.ts), so the trigger still announces every change;
 * embedded is one process by design, so nothing needs to cross replicas.
 */
export function createLocalSaleFeed(opts: {
  logger: Logger;
  /** issues LISTEN once on the shared session */
  listen(): Promise<void>;
  /** where the pool's connections deliver their notices */
  onNotice(deliver: (channel: string, payload: string | undefined) => void): void;
}): SaleChangeFeed {
  const fan = createFanOut(opts.logger.child({ component: "sale-feed" }));
  opts.onNotice((channel, payload) => {
    if (channel === SALE_CHANNEL) fan.notify(payload);
  });
  return {
    subscribe: fan.subscribe,
    start: () => opts.listen(),
    stop: async () => {},
  };
}

/**
 * Where this process hears of sale changes: the embedded database's shared session, a direct
 * connection (DATABASE_DIRECT_URL, else DATABASE_URL when it is direct), or nowhere. Behind a
 * transaction-mode pooler with no direct URL live routes are refused rather than served by
 * polling: a poll of `sales` cannot see every change (not every write moves updated_at), and a
 * stream that silently misses a payment is worse than a clear answer naming the variable to set.
 */
export function chooseSaleFeed(opts: {
  databaseUrl: string;
  directUrl: string | undefined;
  notices?: Database["notices"];
  logger: Logger;
}): { feed: SaleChangeFeed | null; unavailable?: string } {
  const notices = opts.notices;
  if (notices) {
    return {
      feed: createLocalSaleFeed({
        logger: opts.logger,
        listen: () => notices.listen(SALE_CHANNEL),
        onNotice: (deliver) => notices.onNotice(deliver),
      }),
    };
  }
  const target = databaseTarget(opts.directUrl ?? opts.databaseUrl);
  if (target.pooled) {
    return {
      feed: null,
      unavailable:
        "live updates need a direct database connection (LISTEN cannot pass a transaction-mode " +
        "pooler): set DATABASE_DIRECT_URL",
    };
  }
  return {
    feed: createPgSaleFeed({ connectionString: target.connectionString, logger: opts.logger }),
  };
}
