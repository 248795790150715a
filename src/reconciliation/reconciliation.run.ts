import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import type { PaymentCalls } from "../mercadopago/payments.calls.ts";
import type { PaymentSearchResult } from "../mercadopago/mercadopago.schemas.ts";
import { centsFromApi } from "../money.ts";
import { localDayBounds } from "../stores/store-day.ts";
import { matchDay, type Discrepancy, type LedgerPayment } from "./match.ts";
import type {
  NewDiscrepancy,
  ReconciliationRepository,
  RunLease,
} from "./reconciliation.repository.ts";

/**
 * One run of a store's day: claim the day (one process at a time), read Mercado Pago's ledger
 * page by page (each page stored with the offset after it, so a run cut short resumes there),
 * match it against the day's sales (match.ts, pure), record what differs once, and have a sale
 * Mercado Pago shows paid looked at again by the sweeper.
 */

/** Page size of `GET /v1/payments/search`. Mercado Pago documents no maximum (only error 1000, "Number of rows exceeded the limits"); its own samples ask for 30. */
export const LEDGER_PAGE_SIZE = 50;
/** A day's ledger is read to at most this many payments: a bound on a runaway paging. */
export const MAX_LEDGER_PAYMENTS = 100_000;

export interface RunDeps {
  repo: ReconciliationRepository;
  /** the background client: its own limit on calls in flight, apart from the cashiers' */
  mp: Pick<PaymentCalls, "searchPayments">;
  /**
   * Platform mode: the client of the store's merchant (its token and user id), so a day's search
   * reads that merchant's ledger; null is the default merchant (`mp`). Throws AppError
   * `merchant_not_connected` when the merchant has no working token.
   */
  mpFor?(merchantId: string | null): Promise<Pick<PaymentCalls, "searchPayments">>;
  logger: Logger;
  /** the zone of a store's day (its own, or the site's), its Mercado Pago id and its merchant */
  storeOf(storeId: string): Promise<{
    timeZone: string;
    mercadopagoId: string | null;
    merchantId?: string | null;
  } | null>;
  /** a new discrepancy was recorded (the metric) */
  observe?(d: NewDiscrepancy, storeId: string): void;
  /** a sale was made due for a look (wakes the sweeper) */
  onRecheck?(): void;
  /** lease of a run: how long a run whose process died holds the day */
  leaseMs: number;
  pageSize?: number;
  /** which process runs (logs; the lease's owner) */
  owner?: string;
  /** tests: a failure injected after this many pages of a run */
  afterPage?(pages: number): void | Promise<void>;
}

export type RunOutcome =
  | {
      ran: true;
      resumed: boolean;
      pages: number;
      payments: number;
      found: Discrepancy[];
      recorded: NewDiscrepancy[];
    }
  | { ran: false; reason: "busy" | "unknown_store" | "lease_lost" }
  /** the store's merchant has no working token: the day waits for it, in words */
  | { ran: false; reason: "merchant_not_connected"; message: string };

export function toLedgerPayment(p: PaymentSearchResult): LedgerPayment {
  return {
    id: String(p.id),
    externalReference: p.external_reference,
    status: p.status ?? "unknown",
    amountCents: centsFromApi(p.transaction_amount),
    refundedCents: centsFromApi(p.transaction_amount_refunded),
  };
}

export function createReconciliationRun(deps: RunDeps) {
  const log = deps.logger.child({ component: "reconciliation" });
  const pageSize = deps.pageSize ?? LEDGER_PAGE_SIZE;
  const processId = deps.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;

  /** Reads the ledger from the lease's offset to its end; false: the lease was lost. */
  async function readLedger(
    mp: Pick<PaymentCalls, "searchPayments">,
    lease: RunLease,
    begin: Date,
    end: Date,
    mercadopagoId: string | null,
  ) {
    let offset = lease.nextOffset;
    let pages = 0;
    for (;;) {
      const page = await mp.searchPayments({
        begin,
        end,
        ...(mercadopagoId ? { storeId: mercadopagoId } : {}),
        offset,
        limit: pageSize,
      });
      const results = page.results.map(toLedgerPayment);
      const next = offset + results.length;
      if (!(await deps.repo.savePage(lease, results, next, deps.leaseMs))) return null;
      pages++;
      await deps.afterPage?.(pages);
      if (results.length === 0 || next >= page.paging.total || next >= MAX_LEDGER_PAYMENTS) {
        return pages;
      }
      offset = next;
    }
  }

  /** Runs the day now unless another process is running it. */
  async function run(storeId: string, day: string): Promise<RunOutcome> {
    const store = await deps.storeOf(storeId);
    if (!store) return { ran: false, reason: "unknown_store" };
    // whose ledger: the store's merchant's, asked before the day is claimed so a merchant without
    // a working token leaves the day unclaimed (owed, run again once it connects)
    const merchantId = store.merchantId ?? null;
    let mp = deps.mp;
    if (deps.mpFor && merchantId !== null) {
      try {
        mp = await deps.mpFor(merchantId);
      } catch (err) {
        if (err instanceof AppError && err.code === "merchant_not_connected") {
          log.warn({ storeId, day, merchantId }, `reconciliation waits: ${err.message}`);
          return { ran: false, reason: "merchant_not_connected", message: err.message };
        }
        throw err;
      }
    }
    // one owner per attempt: a second attempt of this process is not the first one's lease
    const owner = `${processId}:${randomUUID().slice(0, 8)}`;
    const lease = await deps.repo.claim(storeId, day, owner, deps.leaseMs);
    if (!lease) return { ran: false, reason: "busy" };
    const { start, end } = localDayBounds(day, store.timeZone);
    try {
      // the search's end is inclusive: the day's last millisecond
      const pages = await readLedger(
        mp,
        lease,
        start,
        new Date(end.getTime() - 1),
        store.mercadopagoId,
      );
      if (pages === null) return { ran: false, reason: "lease_lost" };
      const ledger = await deps.repo.ledgerOf(storeId, day);
      const { daySales, otherSales } = await deps.repo.salesToMatch(storeId, start, end, ledger);
      const found = matchDay({ ledger, daySales, otherSales });
      const saleIdOf = new Map(
        [...daySales, ...otherSales].map((s) => [s.externalReference, s.id]),
      );
      const recorded = await deps.repo.finish(
        lease,
        found.map((d) => ({
          ...d,
          saleId: (d.external_reference && saleIdOf.get(d.external_reference)) || null,
        })),
      );
      if (recorded === null) return { ran: false, reason: "lease_lost" };
      let rechecks = 0;
      for (const d of recorded) {
        deps.observe?.(d, storeId);
        log.warn(
          {
            storeId,
            day,
            kind: d.kind,
            externalReference: d.external_reference,
            paymentId: d.payment_id,
            amount: d.amount,
          },
          d.external_reference
            ? `reconciliation: ${d.kind} on sale ${d.external_reference}`
            : `reconciliation: ${d.kind} with no sale of ours`,
        );
      }
      // a payment Mercado Pago shows and the sale does not: the sale's own re-check reads it
      // (the sweeper's reconcile), so a lost notification ends paid by itself
      for (const d of found) {
        if (d.kind !== "paid_there_not_here" || !d.external_reference) continue;
        const saleId = saleIdOf.get(d.external_reference);
        if (!saleId) continue;
        await deps.repo.recheckSale(saleId);
        rechecks++;
      }
      if (rechecks > 0) deps.onRecheck?.();
      log.info(
        {
          storeId,
          day,
          pages,
          payments: ledger.length,
          discrepancies: found.length,
          new: recorded.length,
          resumed: lease.resumed,
        },
        "reconciliation of the day done",
      );
      return { ran: true, resumed: lease.resumed, pages, payments: ledger.length, found, recorded };
    } catch (err) {
      await deps.repo
        .release(lease, err instanceof Error ? err.message : String(err))
        .catch(() => {});
      throw err;
    }
  }

  return { run };
}

export type ReconciliationRun = ReturnType<typeof createReconciliationRun>;
