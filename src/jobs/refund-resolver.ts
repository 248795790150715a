import type { Logger } from "pino";
import { messageOf } from "../errors.ts";
import type { RefundsRepository } from "../refunds/refunds.repository.ts";
import type { RefundsService } from "../refunds/refunds.service.ts";
import { createLoop, type Loop } from "./loop.ts";

export interface RefundResolverDeps {
  refunds: Pick<RefundsRepository, "claimDue" | "update">;
  service: Pick<RefundsService, "resolve">;
  logger: Logger;
  intervalMs: number;
  batchSize?: number;
  leaseMs?: number;
}

const MAX_GAP_MS = 5 * 60_000;

/**
 * Finishes refunds whose outcome at Mercado Pago is unknown (an unclear answer to the refund
 * POST and an unreadable list of refunds, or a process that died mid-request): it reads the
 * payments' refunds and never makes a refund twice. Refunds Mercado Pago is still processing are
 * read the same way until they end. Each refund still open is read again after a gap that doubles
 * up to five minutes. Postgres-driven, safe with N replicas.
 */
export function createRefundResolver(deps: RefundResolverDeps): Loop {
  const batchSize = deps.batchSize ?? 20;
  const leaseMs = deps.leaseMs ?? 60_000;
  const log = deps.logger.child({ component: "refund-resolver" });

  return createLoop({
    name: "refund-resolver",
    logger: log,
    intervalMs: deps.intervalMs,
    async tick() {
      const due = await deps.refunds.claimDue(batchSize, leaseMs);
      for (const refund of due) {
        try {
          const after = await deps.service.resolve(refund);
          if (after.status === "done" || after.status === "failed") continue;
        } catch (err) {
          log.warn({ refundId: refund.id, message: messageOf(err) }, "refund not resolved yet");
        }
        const gap = Math.min(MAX_GAP_MS, deps.intervalMs * 2 ** Math.max(0, refund.checkAttempts));
        await deps.refunds.update(refund.id, {
          nextCheckAt: new Date(Date.now() + gap),
          at: new Date(),
        });
      }
      return due.length === batchSize;
    },
  });
}
