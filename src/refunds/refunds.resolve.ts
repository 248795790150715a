import { doneCents, onlyProcessing, settled, type Refund } from "./refund.ts";
import type { RefundsContext } from "./refunds.context.ts";
import type { RefundOutcome } from "./refunds.outcome.ts";
import type { RefundSending } from "./refunds.send.ts";

/** The resolver's turn at a refund a request left open, or that Mercado Pago is processing. */
export function createRefundResolving(
  ctx: RefundsContext,
  { resolvePart, sendOrderPart, readProcessing }: RefundSending,
  { applyOutcome, finish, hold }: RefundOutcome,
) {
  const { deps, refunds, salesRepo, mpOf, log } = ctx;

  /**
   * The resolver's turn at a refund whose request is over with its outcome unknown, or that
   * Mercado Pago is still processing: parts that were sent (or may have been) are looked up in
   * the payment's refunds (instore) or sent again under the same key (Orders API), never made
   * twice; processing parts are read again; parts never sent are given up. Returns the refund
   * as stored, still `requested` or `processing` while it has not ended.
   */
  async function resolve(refund: Refund): Promise<Refund> {
    const parts = refund.parts.map((p) => ({ ...p }));
    const owner = await salesRepo.findById(refund.saleId);
    const before = doneCents(refund.parts);
    for (const part of parts) {
      if (part.state === "planned") part.state = "failed";
      if (part.state === "sending" || part.state === "unknown") {
        if (owner?.mercadopagoApi === "orders") {
          // the same refund, the same key: Mercado Pago answers with what it already made
          // (parts stored before `whole` was kept fall back to the sale's figures)
          const whole =
            part.whole ?? (part.amountCents === owner.paidCents && owner.refundedCents === 0);
          await sendOrderPart(owner, refund, part, whole, {});
        } else {
          // read with the sale's merchant's token, as it was sent (none working: tried again later)
          await resolvePart(owner ? await mpOf(owner) : deps.mp, refund, part, {});
        }
      } else if (part.state === "processing" && owner) {
        await readProcessing(owner, part);
      }
    }
    if (!settled(parts)) {
      const open = onlyProcessing(parts)
        ? await hold(refund, parts)
        : ((await refunds.update(refund.id, { parts, at: deps.now() })) ?? refund);
      // what a processing refund has made so far counts, once
      if (owner && open.refundedCents > before) await applyOutcome(owner, 0, {});
      return open;
    }
    const finished = await finish(refund, parts, null);
    if (finished.refundedCents > 0) {
      const sale = await salesRepo.findById(refund.saleId);
      // the sale as read now may count this refund already (its notification): ours only
      if (sale) await applyOutcome(sale, 0, {});
    }
    log.info(
      { refundId: refund.id, status: finished.status, refundedCents: finished.refundedCents },
      "refund resolved",
    );
    return finished;
  }

  return { resolve };
}
