import { AppError } from "../errors.ts";
import type { MercadoPagoError } from "../mercadopago/mercadopago.client.ts";
import { watchStart } from "./sale-lifecycle.ts";
import type { CreateFailure, OrderState, Sale } from "./sale.ts";
import type { SalesContext } from "./sales.context.ts";

/**
 * The moves of a sale's publication that a create and the sweeper's resumption share: on the
 * POS, handed over to the sweeper, or failed.
 */
export function createSalePublication(ctx: SalesContext) {
  const { deps, repo, config, log, handOverSeconds, firstCheck, mustFind } = ctx;

  /** The order is on the POS: the publication is over, unless someone else took it over. */
  async function published(sale: Sale, lease?: Date): Promise<Sale> {
    const now = deps.now();
    const on = await repo.markOnPos({
      saleId: sale.id,
      ...(lease ? { lease } : {}),
      nextCheckAt: firstCheck(sale, now),
    });
    return on ?? (await mustFind(sale.externalReference));
  }

  /**
   * A create that could not finish in time: the sale stays pending and being published, and the
   * sweeper resumes the publication at its next round (the answer says when to look again).
   */
  async function handOverPublication(sale: Sale, lease: Date): Promise<Sale> {
    const handedOver = await repo.changeOrderState(sale.id, {
      from: ["publishing"],
      to: "publishing",
      pendingOnly: true,
      lease,
      nextCheckAt: deps.now(),
    });
    // settled meanwhile (a notification was worked): that is the answer
    if (!handedOver) {
      const current = await mustFind(sale.externalReference);
      if (current.status === "paid") return current;
    }
    log.warn(
      { externalReference: sale.externalReference },
      "create ran out of time; the sweeper resumes the publication",
    );
    throw new AppError(
      "mercadopago_unavailable",
      "Mercado Pago did not answer in time; the order is still being published: " +
        "replay the same request to see how it ended",
      [{ external_reference: sale.externalReference, status: "pending" }],
      504,
      handOverSeconds,
    );
  }

  /** Fails a create; the clean-up DELETE may still be owed, and a late payment is watched for. */
  async function failCreate(
    sale: Sale,
    failure: CreateFailure,
    detail: Record<string, unknown>,
    orderState: OrderState,
    watch: boolean,
  ): Promise<Sale | null> {
    const now = deps.now();
    return repo.transition(sale.id, {
      to: "failed",
      source: "create",
      detail,
      at: now,
      failure,
      orderState,
      // a DELETE owed is tried at the sweeper's next round; the watch looks after a while
      nextCheckAt:
        orderState === "withdrawing"
          ? now
          : watch
            ? watchStart(sale, now, config.reconcileAfterMs)
            : null,
    });
  }

  /**
   * Fails a create Mercado Pago refused: a refused order never reached the POS (or was never
   * made), so there is nothing to withdraw and nothing to watch.
   */
  async function refusedCreate(sale: Sale, e: MercadoPagoError) {
    const failure: CreateFailure = {
      status: 502,
      code: "mercadopago_rejected",
      message: `Mercado Pago refused the order: ${e.message}`,
      details: [{ mercadopago_error: e.code, status: e.status }],
    };
    const failed = await failCreate(
      sale,
      failure,
      { reason: "rejected", status: e.status, code: e.code },
      "withdrawn",
      false,
    );
    return { failure, sale: failed };
  }

  return { published, handOverPublication, failCreate, refusedCreate };
}

export type SalePublication = ReturnType<typeof createSalePublication>;
