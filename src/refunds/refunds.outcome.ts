import { MercadoPagoError, type CallOptions } from "../mercadopago/mercadopago.client.ts";
import { observeMerchantOrder } from "../mercadopago/instore-v2/merchant-order.ts";
import { fromCents } from "../sales/money.ts";
import type { Sale } from "../sales/sale.ts";
import { doneCents, type Refund, type RefundFailure, type RefundPart } from "./refund.ts";
import type { RefundsContext } from "./refunds.context.ts";

/**
 * How a refund's outcome is applied: to the sale (what Mercado Pago shows, refunds made there
 * included, and what is known for sure) and to the refund itself (ended, or held while Mercado
 * Pago processes it).
 */
export function createRefundOutcome(ctx: RefundsContext) {
  const { deps, refunds, salesRepo, mpOf, orders, config, log } = ctx;

  /**
   * After the refund: the merchant order that paid the sale is read again and handed to the one
   * decision path (refunded cents as Mercado Pago shows them, refunds made at Mercado Pago
   * included). Its view may lag behind the refund just made, or be unreadable, so the sale's
   * refunded cents are also raised to what is known for sure: what was seen before this refund
   * plus what it confirmed, or all our own confirmed refunds (each a lower bound of the truth,
   * so neither counts a refund twice). `sale` is the sale as it was before the refund was sent;
   * a later read of it (the resolver's) passes 0, since what it shows may count the refund
   * already. Never above what was paid. Once all that was paid is given back, the sale is
   * `refunded`.
   */
  async function applyOutcome(sale: Sale, confirmedCents: number, call: CallOptions) {
    if (sale.mercadopagoApi === "orders") {
      try {
        const observations = await orders.read(sale, call);
        const current = await salesRepo.findById(sale.id);
        if (current) await deps.sales.settle(current, observations, "staff");
      } catch (err) {
        if (!(err instanceof MercadoPagoError)) throw err;
        log.warn(
          { externalReference: sale.externalReference, message: err.message },
          "cannot read the order after a refund; its notification brings it later",
        );
      }
    } else if (sale.merchantOrderId !== null) {
      try {
        const mo = await (await mpOf(sale)).getMerchantOrder(String(sale.merchantOrderId), call);
        const current = await salesRepo.findById(sale.id);
        if (mo && current) await deps.sales.settle(current, [observeMerchantOrder(mo)], "staff");
      } catch (err) {
        if (!(err instanceof MercadoPagoError)) throw err;
        log.warn(
          { externalReference: sale.externalReference, message: err.message },
          "cannot read the merchant order after a refund; its notification brings it later",
        );
      }
    }
    const ours = (await refunds.listForSale(sale.id)).reduce((s, r) => s + r.refundedCents, 0);
    const floor = Math.min(sale.paidCents, Math.max(sale.refundedCents + confirmedCents, ours));
    const current =
      (await salesRepo.raiseRefunded(sale.id, floor, deps.now())) ??
      (await salesRepo.findById(sale.id)) ??
      sale;
    if (current.status === "paid" && current.refundedCents >= current.paidCents) {
      return (
        (await salesRepo.transition(sale.id, {
          to: "refunded",
          source: "staff",
          at: deps.now(),
          detail: { refunded_cents: current.refundedCents },
        })) ??
        (await salesRepo.findById(sale.id)) ??
        current
      );
    }
    return current;
  }

  /** Ends a refund whose parts all have an outcome; returns it as stored. */
  async function finish(refund: Refund, parts: RefundPart[], lastError: MercadoPagoError | null) {
    const refunded = doneCents(parts);
    // a refund Mercado Pago took and then ended without money back, in its words
    const ended = parts.find((p) => p.state === "failed" && p.mpStatus !== undefined)?.mpStatus;
    const why = lastError
      ? `: ${lastError.message}`
      : ended !== undefined
        ? `: Mercado Pago ended it ${ended}`
        : "";
    const failure: RefundFailure | undefined =
      refunded === refund.amountCents
        ? undefined
        : {
            status: 502,
            code:
              lastError === null || lastError.kind === "rejected"
                ? "mercadopago_rejected"
                : "mercadopago_unavailable",
            message:
              refunded === 0
                ? `Mercado Pago did not make the refund${why}`
                : `Mercado Pago made only ${fromCents(refunded)} of the refund of ${fromCents(refund.amountCents)}${why}`,
            details: [
              {
                refunded_amount: fromCents(refunded),
                ...(lastError
                  ? { mercadopago_error: lastError.code, status: lastError.status }
                  : {}),
                ...(ended !== undefined ? { mercadopago_status: ended } : {}),
              },
            ],
          };
    const done = await refunds.update(refund.id, {
      parts,
      status: refunded > 0 ? "done" : "failed",
      refundedCents: refunded,
      ...(failure ? { failure } : {}),
      nextCheckAt: null,
      at: deps.now(),
    });
    return done ?? (await refunds.findById(refund.id)) ?? refund;
  }

  /**
   * Keeps a refund Mercado Pago took and has not made yet: `processing`, its amount still
   * reserved, what is made of it counted, and read again by the resolver until it ends.
   */
  async function hold(refund: Refund, parts: RefundPart[]) {
    const held = await refunds.update(refund.id, {
      parts,
      status: "processing",
      refundedCents: doneCents(parts),
      nextCheckAt: new Date(deps.now().getTime() + config.resolveIntervalMs),
      at: deps.now(),
    });
    return held ?? (await refunds.findById(refund.id)) ?? refund;
  }

  return { applyOutcome, finish, hold };
}

export type RefundOutcome = ReturnType<typeof createRefundOutcome>;
