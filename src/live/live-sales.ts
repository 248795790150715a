import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import type { Sale } from "../sales/sale.ts";
import type { SaleChange, SaleChangeFeed } from "./sale-changes.ts";

/**
 * What a watcher follows: one sale, or every sale of a store and/or POS; `storeIds` narrows it to
 * those stores (a merchant's key follows only its merchant's).
 */
export type WatchTarget =
  { saleId: string } | { storeId?: string; posId?: string; storeIds?: readonly string[] };

export interface Watcher {
  target: WatchTarget;
  /** the sale as read after a change; `resent`: a re-read after the feed was cut off */
  sale(s: Sale, resent: boolean): void;
  /** the feed was cut off and is back (filter watchers; sale watchers get `sale` again) */
  resync?(): void;
}

export interface LiveLimits {
  /** open streams per API key; one more is 429 */
  streamsPerKey: number;
  /** long polls in progress per API key */
  waitsPerKey: number;
  /** `: ping` comment on every stream this often */
  pingMs: number;
}

export const LIVE_LIMITS: LiveLimits = Object.freeze({
  streamsPerKey: 20,
  waitsPerKey: 20,
  pingMs: 15_000,
});

/** Retry-After of a 429 for too many streams: a stream usually closes when its screen does. */
const BUSY_RETRY_S = 5;

function matches(target: WatchTarget, s: Pick<SaleChange, "id" | "storeId" | "posId">): boolean {
  if ("saleId" in target) return target.saleId === s.id;
  return (
    (target.storeId === undefined || target.storeId === s.storeId) &&
    (target.posId === undefined || target.posId === s.posId) &&
    (target.storeIds === undefined || target.storeIds.includes(s.storeId))
  );
}

/**
 * The in-process side of live updates: takes the process's one feed of sale changes, re-reads a
 * changed sale once for everyone watching it (reads of one sale are serialized, so watchers see
 * its states in order and the last read follows the last change), and bounds the streams and long
 * polls each key holds. `unavailable`: live routes are refused with this reason.
 */
export function createLiveSales(deps: {
  feed: SaleChangeFeed | null;
  unavailable?: string;
  load(saleId: string): Promise<Sale | null>;
  logger: Logger;
  limits?: Partial<LiveLimits>;
}) {
  const log = deps.logger.child({ component: "live" });
  const limits: LiveLimits = { ...LIVE_LIMITS, ...deps.limits };
  const watchers = new Set<Watcher>();
  const reading = new Map<string, { again: boolean; resent: boolean }>();
  const held = { stream: new Map<string, number>(), wait: new Map<string, number>() };
  const closers = new Set<() => void>();
  let closing = false;

  async function read(saleId: string, resent: boolean): Promise<void> {
    const inFlight = reading.get(saleId);
    if (inFlight) {
      inFlight.again = true;
      inFlight.resent ||= resent;
      return;
    }
    const state = { again: true, resent };
    reading.set(saleId, state);
    try {
      while (state.again) {
        const resentNow = state.resent;
        state.again = false;
        state.resent = false;
        let sale: Sale | null;
        try {
          sale = await deps.load(saleId);
        } catch (err) {
          // the database is away: when the feed is back, every watcher re-reads
          log.warn({ err, saleId }, "cannot read a changed sale");
          continue;
        }
        if (!sale) continue;
        for (const w of [...watchers]) {
          if (watchers.has(w) && matches(w.target, sale)) w.sale(sale, resentNow);
        }
      }
    } finally {
      reading.delete(saleId);
    }
  }

  deps.feed?.subscribe({
    change(c) {
      for (const w of watchers) {
        if (matches(w.target, c)) {
          void read(c.id, false);
          return;
        }
      }
    },
    resync() {
      const ids = new Set<string>();
      for (const w of watchers) {
        if ("saleId" in w.target) ids.add(w.target.saleId);
        else w.resync?.();
      }
      for (const id of ids) void read(id, true);
    },
  });

  function available(): void {
    if (closing) {
      throw new AppError("service_unavailable", "the service is shutting down", [], undefined, 1);
    }
    if (deps.unavailable) throw new AppError("service_unavailable", deps.unavailable);
  }

  return {
    limits,

    /** Throws 503 when live updates cannot be served here (see `unavailable`, shutdown). */
    available,

    /**
     * Takes one of the key's stream or long-poll places; 429 when all are held. The returned
     * function gives it back (once, however often it is called).
     */
    hold(kind: "stream" | "wait", keyId: string): () => void {
      available();
      const counts = held[kind];
      const max = kind === "stream" ? limits.streamsPerKey : limits.waitsPerKey;
      const n = counts.get(keyId) ?? 0;
      if (n >= max) {
        throw new AppError(
          "rate_limited",
          `this API key already holds ${max} open ${kind === "stream" ? "event streams" : "long polls"}; close one first`,
          [],
          undefined,
          BUSY_RETRY_S,
        );
      }
      counts.set(keyId, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(keyId) ?? 1) - 1;
        if (left > 0) counts.set(keyId, left);
        else counts.delete(keyId);
      };
    },

    /**
     * Follows a target until the returned function is called. A sale watcher is sent the sale's
     * current state first (after it is subscribed, so no change falls in between).
     */
    watch(w: Watcher): () => void {
      watchers.add(w);
      if ("saleId" in w.target) void read(w.target.saleId, false);
      return () => void watchers.delete(w);
    },

    /** Registers what ends a stream or long poll at shutdown. */
    onClose(close: () => void): () => void {
      closers.add(close);
      return () => void closers.delete(close);
    },

    /** Shutdown: no new streams; open ones end, long polls answer with what they have. */
    closeAll(): void {
      closing = true;
      for (const close of [...closers]) close();
      closers.clear();
    },

    /** streams and long polls held now, by kind */
    openCount: () => ({
      streams: [...held.stream.values()].reduce((a, b) => a + b, 0),
      waits: [...held.wait.values()].reduce((a, b) => a + b, 0),
    }),
  };
}

export type LiveSales = ReturnType<typeof createLiveSales>;
