import { AppError } from "../errors.ts";
import type { CallOptions } from "../mercadopago/mercadopago.client.ts";
import type { SaleScope } from "../scope.ts";
import { watchStart } from "./sale-lifecycle.ts";
import type { Sale } from "./sale.ts";
import { asMercadoPagoError, upstreamError, type SalesContext } from "./sales.context.ts";
import type { SaleSettling } from "./sales.settle.ts";

/** A staff cancel of a pending sale, finished by the request or, past its deadline, the sweeper. */
export function createSaleCancelling(ctx: SalesContext, { settle }: SaleSettling) {
  const { deps, repo, config, log, upstreamOf, handOverSeconds, cashierCall } = ctx;
  const { publicationLease, inProgress, mustFind } = ctx;

  /**
   * Takes a pending sale's order off the POS (only if the POS still shows ours), re-reads
   * Mercado Pago, because the customer may have paid a moment ago, and cancels it unless paid.
   */
  async function finishCancel(sale: Sale, call: CallOptions, detail?: Record<string, unknown>) {
    const upstream = upstreamOf(sale);
    await upstream.withdraw(sale, call);
    // our own cancel shows as `canceled`: only a payment changes what this cancel does
    const settled = await settle(sale, await upstream.read(sale, call), "staff", {
      upstreamEnds: false,
    });
    if (settled.status !== "pending") return settled;
    const now = deps.now();
    const cancelled = await repo.transition(sale.id, {
      to: "cancelled",
      source: "staff",
      at: now,
      ...(detail ? { detail } : {}),
      nextCheckAt: watchStart(sale, now, config.reconcileAfterMs),
    });
    if (cancelled) log.info({ externalReference: sale.externalReference }, "sale cancelled");
    return cancelled ?? (await mustFind(sale.externalReference));
  }

  /**
   * Cancels a pending sale: takes its order off the POS (only if the POS still shows ours),
   * then re-reads Mercado Pago, because the customer may have paid a moment ago. Paid wins.
   * The request is recorded first (order withdrawing): if Mercado Pago fails or the deadline
   * comes, the sweeper finishes the cancel the same way.
   */
  async function cancel(externalReference: string, scope: SaleScope): Promise<Sale> {
    const call = cashierCall();
    const sale = await mustFind(externalReference, scope);
    if (sale.status === "cancelled") return sale;
    if (sale.status === "paid") throw alreadyPaid(sale);
    if (sale.status !== "pending") {
      throw new AppError("conflict", `the sale is ${sale.status} and cannot be cancelled`);
    }
    // the PUT may still land: deleting now could leave the order on the POS after the cancel
    if (sale.orderState === "publishing") throw inProgress(sale);
    const recorded = await repo.changeOrderState(sale.id, {
      from: ["on_pos", "withdrawing"],
      to: "withdrawing",
      pendingOnly: true,
      // the sweeper leaves the cancel to this request until its deadline is well past
      nextCheckAt: publicationLease(deps.now()),
    });
    let result: Sale;
    try {
      result = recorded ? await finishCancel(recorded, call) : await mustFind(externalReference);
    } catch (err) {
      const e = asMercadoPagoError(err);
      await repo.changeOrderState(sale.id, {
        from: ["withdrawing"],
        to: "withdrawing",
        pendingOnly: true,
        nextCheckAt: deps.now(),
      });
      log.warn(
        { externalReference, reason: e.message },
        "cancel not finished; the sweeper finishes it",
      );
      throw upstreamError(
        e,
        "cancelling the order; the cancel goes on in the background",
        handOverSeconds,
      );
    }
    if (result.status === "paid") throw alreadyPaid(result);
    if (result.status === "cancelled") return result;
    throw new AppError("conflict", `the sale is ${result.status} and cannot be cancelled`);
  }

  return { cancel, finishCancel };
}

export type SaleCancelling = ReturnType<typeof createSaleCancelling>;

function alreadyPaid(sale: Sale): AppError {
  return new AppError("already_paid", `the sale ${sale.externalReference} is already paid`);
}
