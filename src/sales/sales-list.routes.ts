import { Router, type Response } from "express";
import { actorOf, permit, type Actor } from "../auth.ts";
import { scopeOf, type SaleScope } from "../scope.ts";
import { AppError, parseInput } from "../errors.ts";
import { noteOnAccessLine } from "../logger.ts";
import { fromCents } from "./money.ts";
import { presentSale } from "./sale.presenter.ts";
import type { SalesSummaryBody } from "./sale.responses.ts";
import { SALE_STATUSES } from "./sale-status.ts";
import { decodeCursor, encodeCursor, type ListPosition } from "./sales-cursor.ts";
import { localDayBounds } from "../stores/store-day.ts";
import { csvFormat, csvHeaderLine, csvLine, CSV_BOM, type CsvFormat } from "./sales-csv.ts";
import {
  LIST_LIMIT,
  SalesListQuerySchema,
  SalesSummaryQuerySchema,
  type SalesSummaryQuery,
} from "./sales-list.schemas.ts";
import type { SaleFilter, SalesListRepository, SalesSummary } from "./sales-list.repository.ts";

/** Rows per query while streaming CSV: what the process holds at once, whatever the total. */
export const CSV_BATCH_ROWS = 1000;

/**
 * The filter a caller gets: staff and full keys what they ask for; a POS key only the sales of
 * the store or POS it is bound to (asking for another is 403). An unbound POS key has no sales of
 * its own to list, and listing is how one would find everyone else's, so it is refused. A key
 * bound to a merchant gets only its merchant's stores, whatever its role; another store is
 * unknown to it (404, as one never registered: it learns nothing of other merchants).
 */
function scopedFilter(
  actor: Actor,
  scope: SaleScope,
  q: SalesSummaryQuery,
  day?: Window,
): SaleFilter {
  const filter: SaleFilter = {
    storeId: q.store_id,
    posId: q.pos_id,
    from: day?.start ?? q.from,
    to: day?.end ?? q.to,
  };
  if (typeof scope === "object" && "merchantId" in scope) {
    if (q.store_id !== undefined && !scope.storeIds.includes(q.store_id)) {
      throw new AppError("not_found", `store ${q.store_id} not found`);
    }
    return { ...filter, storeIds: scope.storeIds };
  }
  if (actor.role !== "pos") return filter;
  const binding = actor.binding;
  if (!binding) {
    throw new AppError(
      "forbidden",
      "a POS key lists sales only when bound to its store or POS (key@STORE/POS in POS_API_KEYS)",
    );
  }
  if (q.store_id !== undefined && q.store_id !== binding.storeId) {
    throw new AppError("forbidden", "this API key may not list sales of that store");
  }
  if (binding.posId !== null && q.pos_id !== undefined && q.pos_id !== binding.posId) {
    throw new AppError("forbidden", "this API key may not list sales of that POS");
  }
  return { ...filter, storeId: binding.storeId, posId: binding.posId ?? q.pos_id };
}

interface Window {
  start: Date;
  end: Date;
}

/** The zone of a store's day (its time_zone, else the site's capital). */
export type TimeZoneOf = (storeId: string) => Promise<string>;

/**
 * `date=` as the instants of that store's day. The schema made sure store_id comes with it;
 * the bounds are compared as timestamptz instants, so the database session's zone plays no part.
 */
async function storeDay(q: SalesSummaryQuery, timeZoneOf: TimeZoneOf): Promise<Window | undefined> {
  if (q.date === undefined || q.store_id === undefined) return undefined;
  return localDayBounds(q.date, await timeZoneOf(q.store_id));
}

/** What a cursor is bound to: the effective filter, so a cursor replayed with others is a 400. */
function filterKey(f: SaleFilter): string {
  return JSON.stringify([
    f.storeId ?? null,
    f.posId ?? null,
    f.statuses ?? [],
    f.from?.getTime() ?? null,
    f.to?.getTime() ?? null,
  ]);
}

export function presentSummary(s: SalesSummary): SalesSummaryBody {
  return {
    count: s.count,
    by_status: Object.fromEntries(
      SALE_STATUSES.map((st) => [
        st,
        { count: s.byStatus[st].count, amount: fromCents(s.byStatus[st].totalCents) },
      ]),
    ) as SalesSummaryBody["by_status"],
    paid_amount: fromCents(s.paidCents),
    refunded_amount: fromCents(s.refundedCents),
  };
}

/** Resolves when the socket can take more, or is gone; leaves no listener behind. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * Every matching sale as CSV, a keyset batch at a time, each written only once the client took
 * the one before (backpressure): the process holds one batch, whatever the total. The first
 * batch is read before anything is sent, so a database that is down still gets its error answer;
 * a failure after that can only cut the response short, which the client sees as an incomplete
 * transfer rather than a file that looks whole.
 */
async function streamCsv(
  res: Response,
  list: SalesListRepository,
  filter: SaleFilter,
  start: ListPosition | null,
  format: CsvFormat,
): Promise<void> {
  const headers = () => {
    res.status(200);
    res.setHeader("Content-Type", "text/csv; charset=utf-8");
    res.setHeader("Content-Disposition", 'attachment; filename="sales.csv"');
  };
  // HEAD: a body would be dropped anyway, and dropped writes never push back, so nothing is read
  if (res.req.method === "HEAD") {
    headers();
    res.end();
    return;
  }
  let batch = await list.csvBatch(filter, start, CSV_BATCH_ROWS);
  headers();
  // the BOM tells a spreadsheet the file is UTF-8 (else Excel reads it in the system's code page)
  res.write(CSV_BOM + csvHeaderLine(format));
  for (;;) {
    if (!res.write(batch.map((r) => csvLine(r, format)).join(""))) await drained(res);
    if (res.destroyed) return; // the client went away: stop reading
    const last = batch.at(-1);
    if (!last || batch.length < CSV_BATCH_ROWS) break;
    batch = await list.csvBatch(filter, { createdAt: last.createdAt, id: last.id }, CSV_BATCH_ROWS);
  }
  res.end();
}

/** `GET /sales` (a page as JSON, or every match as CSV) and `GET /sales/summary`. */
export function createSalesListRouter(list: SalesListRepository, timeZoneOf: TimeZoneOf): Router {
  const router = Router();

  router.get(
    "/sales/summary",
    permit(["full", "staff"], "read the sales summary"),
    async (req, res) => {
      const q = parseInput(SalesSummaryQuerySchema, req.query);
      const day = await storeDay(q, timeZoneOf);
      const summary = await list.summary(scopedFilter(actorOf(req), scopeOf(req), q, day));
      res.json(presentSummary(summary));
    },
  );

  router.get("/sales", permit(["full", "staff", "pos"], "list sales"), async (req, res) => {
    const q = parseInput(SalesListQuerySchema, req.query);
    const day = await storeDay(q, timeZoneOf);
    const filter: SaleFilter = {
      ...scopedFilter(actorOf(req), scopeOf(req), q, day),
      statuses: q.status,
    };
    const key = filterKey(filter);
    let after: ListPosition | null = null;
    if (q.cursor !== undefined) {
      after = decodeCursor(q.cursor, key);
      if (!after) {
        throw new AppError(
          "validation_failed",
          "cursor: not a cursor this service gave for these filters; start again without one",
          [{ path: "cursor", message: "invalid cursor" }],
        );
      }
    }

    if (req.accepts(["application/json", "text/csv"]) === "text/csv") {
      try {
        await streamCsv(res, list, filter, after, csvFormat(q.delimiter));
      } catch (err) {
        if (!res.headersSent) throw err;
        noteOnAccessLine(req, "error", { err }, "sales CSV cut short");
        res.destroy();
      }
      return;
    }

    const limit = q.limit ?? LIST_LIMIT.default;
    // one row more than asked tells whether another page exists without a count
    const rows = await list.page(filter, after, limit + 1);
    const data = rows.slice(0, limit);
    const last = data.at(-1);
    res.json({
      data: data.map(presentSale),
      next_cursor:
        rows.length > limit && last
          ? encodeCursor({ createdAt: last.createdAt, id: last.id }, key)
          : null,
    });
  });

  return router;
}
