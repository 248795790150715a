import type { Logger } from "pino";
import { messageOf } from "../errors.ts";
import { MercadoPagoError } from "../mercadopago/mercadopago.client.ts";
import { watchEnd } from "../sales/sale-lifecycle.ts";
import type { Sale } from "../sales/sale.ts";
import type { ScheduledCheck } from "../sales/sales.repository.claims.ts";
import type { SalesRepository } from "../sales/sales.repository.ts";
import type { SalesService } from "../sales/sales.service.ts";
import { createLoop, type Loop } from "./loop.ts";

export interface SalesSweeperDeps {
  repo: Pick<SalesRepository, "claimDue" | "scheduleChecks">;
  sales: Pick<SalesService, "reconcile">;
  logger: Logger;
  now: () => Date;
  /** how often the sweeper looks for due sales (RECONCILE_INTERVAL_MS) */
  intervalMs: number;
  batchSize?: number;
  leaseMs?: number;
}

const MAX_GAP_MS = 60_000;

/**
 * When to look at a still-pending sale again: the interval, doubling with each look up to a
 * minute, with jitter so that many sales created together do not poll together; never later
 * than the moment its order expires, when the final read is due.
 */
export function nextCheckAt(
  sale: Pick<Sale, "checkAttempts" | "expiresAt">,
  intervalMs: number,
  now: Date,
): Date {
  const gap = Math.min(MAX_GAP_MS, intervalMs * 2 ** Math.max(0, sale.checkAttempts - 1));
  const jittered = gap * (0.8 + Math.random() * 0.4);
  const at = now.getTime() + jittered;
  const expiry = sale.expiresAt.getTime();
  return new Date(expiry > now.getTime() ? Math.min(at, expiry) : at);
}

/**
 * When the sweeper next owes a sale a look, after a look that went through; null: nothing owed.
 * Pending sales as `nextCheckAt`. A settled sale whose clean-up DELETE is still owed is retried
 * with the same backoff (the DELETE is given up once the order has expired); other failed,
 * cancelled and expired sales are watched for a late payment until their order's expiration
 * plus a margin, with a last look at that moment. Paid and refunded sales owe nothing.
 */
export function nextLookAt(
  sale: Pick<Sale, "status" | "orderState" | "checkAttempts" | "expiresAt">,
  intervalMs: number,
  now: Date,
): Date | null {
  if (sale.status === "pending") return nextCheckAt(sale, intervalMs, now);
  if (sale.status === "paid" || sale.status === "refunded") return null;
  const end = watchEnd(sale).getTime();
  if (sale.orderState !== "withdrawing" && now.getTime() >= end) return null;
  const at = nextCheckAt(sale, intervalMs, now).getTime();
  return new Date(sale.orderState === "withdrawing" ? at : Math.min(at, end));
}

/**
 * Reconciliation and expiry in one Postgres-driven loop: pending sales with no news are looked up
 * at Mercado Pago by external_reference; those past their expiry get their final read and end.
 * Notifications are the primary path; this is the contingency Mercado Pago asks integrators for.
 * The same loop owns every in-between state a request or a crash left behind: publications
 * (resumed), cancels and clean-up DELETEs (finished), and late payments of settled sales.
 */
export function createSalesSweeper(deps: SalesSweeperDeps): Loop {
  const batchSize = deps.batchSize ?? 50;
  const leaseMs = deps.leaseMs ?? 60_000;
  const log = deps.logger.child({ component: "sales-sweeper" });

  /**
   * One sale's look, and when the next is owed; null when the move that settled it already
   * wrote that (a sale paid has no next look, as its transition stored).
   */
  async function check(sale: Sale): Promise<ScheduledCheck | null> {
    try {
      const after = await deps.sales.reconcile(sale);
      const next = nextLookAt(
        { ...after, checkAttempts: sale.checkAttempts },
        deps.intervalMs,
        deps.now(),
      );
      const moved = after.status !== sale.status || after.orderState !== sale.orderState;
      if (moved && (after.nextCheckAt?.getTime() ?? null) === (next?.getTime() ?? null)) {
        return null;
      }
      return { saleId: sale.id, at: next, seen: after };
    } catch (err) {
      log.warn(
        {
          externalReference: sale.externalReference,
          message: messageOf(err),
        },
        "reconcile failed; will retry",
      );
      // Mercado Pago's Retry-After (429) is honoured when it asks for longer than our backoff
      const backoff = Math.min(
        MAX_GAP_MS,
        deps.intervalMs * 2 ** Math.max(0, sale.checkAttempts - 1),
      );
      const asked = err instanceof MercadoPagoError ? (err.retryAfterMs ?? 0) : 0;
      const retryAt = new Date(deps.now().getTime() + Math.max(backoff, asked));
      return { saleId: sale.id, at: retryAt, seen: sale };
    }
  }

  return createLoop({
    name: "sales-sweeper",
    logger: log,
    intervalMs: deps.intervalMs,
    async tick() {
      const due = await deps.repo.claimDue(batchSize, leaseMs);
      // the tick's next looks are written together, once every look is over (until then each
      // sale's lease keeps it ours; a crash before the write leaves it to be claimed again)
      const checks = await Promise.all(due.map(check));
      await deps.repo.scheduleChecks(checks.filter((c): c is ScheduledCheck => c !== null));
      return due.length === batchSize;
    },
  });
}
