import {
  MercadoPagoError,
  deadlinePassed,
  type CallOptions,
  type MercadoPagoClient,
} from "../mercadopago/mercadopago.client.ts";
import type { ObservedRefund } from "../mercadopago/upstream.ts";
import { fromCents } from "../sales/money.ts";
import type { Sale } from "../sales/sale.ts";
import {
  findOrderRefund,
  findOurRefund,
  mercadoPagoIdempotencyKey,
  refundOutcome,
  type Refund,
  type RefundPart,
} from "./refund.ts";
import type { RefundsContext } from "./refunds.context.ts";

/**
 * Sending a refund's parts to Mercado Pago (a payment's refund on instore, the order's on the
 * Orders API) and reading back what became of a part whose answer was unclear or that Mercado
 * Pago is still processing. Never sends a part twice.
 */
export function createRefundSending(ctx: RefundsContext) {
  const { deps, refunds, mpOf, orders, log, claimedElsewhere } = ctx;

  /**
   * Sends the planned parts in turn. A definite no stops the plan (the later parts are not
   * sent). An unclear answer (timeout, 5xx) is resolved by reading the payment's refunds, never
   * by sending again; when they cannot be read either, the part stays unknown and the resolver
   * finishes the refund. Returns the parts as they end, and the last failure. `mp` is the sale's
   * merchant's client.
   */
  async function send(
    mp: MercadoPagoClient,
    sale: Sale,
    refund: Refund,
    parts: RefundPart[],
    call: CallOptions,
  ) {
    let lastError: MercadoPagoError | null = null;
    let sentAny = false;
    // Mercado Pago took a part and ended it without money back: a definite no, as a rejection
    let refused = false;
    const save = () => refunds.update(refund.id, { parts, at: deps.now() });
    for (const [i, part] of parts.entries()) {
      if (part.state !== "planned") continue;
      const stop = (state: "failed") => {
        for (const later of parts.slice(i)) if (later.state === "planned") later.state = state;
      };
      if (lastError !== null || refused || deadlinePassed(call.deadline)) {
        stop("failed");
        break;
      }
      try {
        part.knownRefundIds = (await mp.listRefunds(part.paymentId, call)).map((r) => Number(r.id));
      } catch (err) {
        if (!(err instanceof MercadoPagoError)) throw err;
        lastError = err;
        stop("failed");
        break;
      }
      part.state = "sending";
      sentAny = true;
      await save();
      try {
        const made = await mp.refundPayment(
          part.paymentId,
          fromCents(part.amountCents),
          mercadoPagoIdempotencyKey(sale.id, refund.id, part.paymentId),
          call,
        );
        part.mpRefundId = Number(made.id);
        if (made.status) part.mpStatus = made.status;
        part.state = refundOutcome(made.status);
        if (part.state === "failed") refused = true;
      } catch (err) {
        if (!(err instanceof MercadoPagoError)) throw err;
        lastError = err;
        if (err.kind === "rejected") {
          part.state = "failed";
        } else {
          await resolvePart(mp, refund, part, call);
          // resolvePart settles the part's state in place
          if ((part.state as RefundPart["state"]) === "unknown") {
            await save();
            return { parts, lastError, unknown: true, sentAny };
          }
          // found at Mercado Pago: the plan goes on
          if ((part.state as RefundPart["state"]) === "done") lastError = null;
        }
      }
      await save();
    }
    return { parts, lastError, unknown: false, sentAny };
  }

  /**
   * The outcome of a part whose POST gave no clear answer, from the payment's refunds: a new one
   * for the amount is ours (done); none means the POST did not land (failed); unreadable leaves
   * it unknown.
   */
  async function resolvePart(
    mp: MercadoPagoClient,
    refund: Refund,
    part: RefundPart,
    call: CallOptions,
  ) {
    try {
      if (deadlinePassed(call.deadline)) throw new MercadoPagoError("timeout", "out of time");
      const listed = await mp.listRefunds(part.paymentId, call);
      const ours = findOurRefund(part, listed, (await claimedElsewhere(refund)).payments);
      const status = listed.find((r) => Number(r.id) === ours)?.status;
      part.state = ours === null ? "failed" : refundOutcome(status);
      part.mpRefundId = ours;
      if (status) part.mpStatus = status;
      log.info(
        { refundId: refund.id, paymentId: part.paymentId, found: ours !== null },
        "unclear refund resolved from the payment's refunds",
      );
    } catch (err) {
      if (!(err instanceof MercadoPagoError)) throw err;
      part.state = "unknown";
    }
  }

  /**
   * Takes, from the refunds an Orders API order shows, the one that is this part's: it is made
   * (`processed`), still `processing`, or ended without money back. None recognisable in a 2xx
   * answer: made, as the endpoint said (the order read next shows what went back).
   */
  function takeOrderRefund(part: RefundPart, shown: ObservedRefund[], claimed: Set<string>) {
    const ours = findOrderRefund(part, shown, claimed);
    if (ours === null) {
      part.state = "done";
      return;
    }
    if (ours.id !== null) part.orderRefundId = ours.id;
    if (ours.status) part.mpStatus = ours.status;
    part.state = refundOutcome(ours.status);
  }

  /**
   * Reads again a part Mercado Pago is processing: the payment's refunds (instore) or the
   * order's (Orders API). Unreadable, or not shown yet: it stays processing.
   */
  async function readProcessing(sale: Sale, part: RefundPart) {
    try {
      if (sale.mercadopagoApi === "orders") {
        const [seen] = await orders.read(sale, {});
        const ours = seen?.refunds?.find((r) => r.id !== null && r.id === part.orderRefundId);
        if (!ours) return;
        if (ours.status) part.mpStatus = ours.status;
        part.state = refundOutcome(ours.status);
        return;
      }
      const listed = await (await mpOf(sale)).listRefunds(part.paymentId, {});
      const ours = listed.find((r) => Number(r.id) === part.mpRefundId);
      if (!ours) return;
      if (ours.status) part.mpStatus = ours.status;
      part.state = refundOutcome(ours.status);
    } catch (err) {
      if (!(err instanceof MercadoPagoError)) throw err;
      log.warn(
        { externalReference: sale.externalReference, message: err.message },
        "cannot read a refund Mercado Pago is processing; read again later",
      );
    }
  }

  /**
   * Sends an Orders API refund part (all of the order's payment, or part of it). An unclear
   * answer leaves it unknown: the resolver sends the same refund again with the same key, which
   * Mercado Pago answers with the refund it already made instead of making a second one. The
   * answer's refund that is ours says whether it is made (`processed`) or still `processing`.
   */
  async function sendOrderPart(
    sale: Sale,
    refund: Refund,
    part: RefundPart,
    whole: boolean,
    call: CallOptions,
  ) {
    try {
      const answer = await orders.refund(
        sale.orderId ?? "",
        part.orderPaymentId ?? "",
        whole ? null : part.amountCents,
        mercadoPagoIdempotencyKey(sale.id, refund.id, part.paymentId),
        call,
      );
      takeOrderRefund(part, answer ?? [], (await claimedElsewhere(refund)).orders);
      return null;
    } catch (err) {
      if (!(err instanceof MercadoPagoError)) throw err;
      part.state = err.kind === "rejected" ? "failed" : "unknown";
      return err;
    }
  }

  return { send, resolvePart, sendOrderPart, readProcessing };
}

export type RefundSending = ReturnType<typeof createRefundSending>;
