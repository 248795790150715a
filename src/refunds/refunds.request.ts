import { AppError } from "../errors.ts";
import {
  MercadoPagoError,
  type CallOptions,
  type MercadoPagoClient,
} from "../mercadopago/mercadopago.client.ts";
import { observeMerchantOrder } from "../mercadopago/instore-v2/merchant-order.ts";
import type { MerchantOrder } from "../mercadopago/mercadopago.schemas.ts";
import type { Sale } from "../sales/sale.ts";
import { amountProblem } from "../sales/sale-currency.ts";
import { profileOfCurrency } from "../sites.ts";
import { isOpen, onlyProcessing, planRefund, type Refund, type RefundPart } from "./refund.ts";
import {
  failureError,
  notRefundable,
  type RefundRequest,
  type RefundsContext,
} from "./refunds.context.ts";
import type { RefundOutcome } from "./refunds.outcome.ts";
import { lessInFlight, refundables } from "./refunds.plan.ts";
import type { RefundSending } from "./refunds.send.ts";

/** Added to the deadline for the request's lease on its refund: past it, the resolver owns it. */
const LEASE_MARGIN_MS = 3_000;

/**
 * A staff request for a refund: the amount reserved (or the earlier answer replayed), planned
 * from Mercado Pago's view of the payments, sent, and its outcome applied within the request's
 * deadline; what it cannot finish is left to the resolver.
 */
export function createRefundRequest(
  ctx: RefundsContext,
  { send, sendOrderPart }: RefundSending,
  { applyOutcome, finish, hold }: RefundOutcome,
) {
  const { deps, refunds, salesRepo, mpOf, orders, config, log, retryAfterS, mustFind } = ctx;

  /** The answer to a request for an existing refund (the same Idempotency-Key). */
  async function replay(sale: Sale, refund: Refund, requestedCents: number | null) {
    if (refund.requestedCents !== requestedCents) {
      throw new AppError(
        "conflict",
        "this Idempotency-Key was used for a different refund of the sale",
        [{ external_reference: sale.externalReference }],
      );
    }
    if (refund.status === "requested") {
      throw new AppError(
        "in_progress",
        "this refund is still being made; try again shortly",
        [{ external_reference: sale.externalReference }],
        undefined,
        retryAfterS,
      );
    }
    // done, or processing (Mercado Pago took it): the sale as it stands now
    if (refund.failure) throw failureError(refund.failure);
    return (await salesRepo.findById(sale.id)) ?? sale;
  }

  /** A refund of a sale published on the Orders API: by order, from its one payment. */
  async function executeOrder(
    sale: Sale,
    refund: Refund,
    call: Required<CallOptions>,
  ): Promise<Sale> {
    const ref = sale.externalReference;
    let seen;
    try {
      [seen] = await orders.read(sale, call);
    } catch (err) {
      await refunds.release(refund.id);
      if (!(err instanceof MercadoPagoError)) throw err;
      throw new AppError(
        "mercadopago_unavailable",
        "Mercado Pago is unavailable (reading the order); no refund was made, try again",
        [{ reason: err.kind, status: err.status }],
        err.kind === "timeout" ? 504 : 502,
        retryAfterS,
      );
    }
    const inFlight = (await refunds.listForSale(sale.id))
      .filter((r) => r.id !== refund.id && isOpen(r))
      .reduce((s, r) => s + r.amountCents - r.refundedCents, 0);
    // money charged back is not the merchant's to give back a second time
    const chargedBack = (seen?.chargebacks ?? []).reduce((s, c) => s + c.amountCents, 0);
    const left = seen ? seen.paidCents - seen.refundedCents - chargedBack - inFlight : 0;
    if (!seen || !sale.orderPaymentId || refund.amountCents > left) {
      await refunds.release(refund.id);
      const current = seen ? await deps.sales.settle(sale, [seen], "staff") : sale;
      throw notRefundable(current, current.status, Math.max(0, left));
    }
    // All of an untouched order: a total refund (no body), which every rendition of the docs
    // accepts; anything else names the payment and the amount (partial refunds: GUIDE-AR).
    const whole =
      refund.amountCents === seen.paidCents && seen.refundedCents === 0 && inFlight === 0;
    const part: RefundPart = {
      paymentId: 0,
      orderPaymentId: sale.orderPaymentId,
      amountCents: refund.amountCents,
      state: "sending",
      mpRefundId: null,
      knownRefundIds: [],
      knownOrderRefundIds: (seen.refunds ?? []).flatMap((r) => (r.id === null ? [] : [r.id])),
      whole,
    };
    await refunds.update(refund.id, { parts: [part], at: deps.now() });
    const err = await sendOrderPart(sale, refund, part, whole, call);
    if ((part.state as RefundPart["state"]) === "unknown") {
      await refunds.update(refund.id, {
        parts: [part],
        nextCheckAt: new Date(deps.now().getTime() + config.resolveIntervalMs),
        at: deps.now(),
      });
      throw new AppError(
        "mercadopago_unavailable",
        "Mercado Pago did not confirm the refund; it is sent again with the same key: " +
          "send the same request with the same Idempotency-Key to see how it ended",
        [{ external_reference: ref, refund_status: "requested" }],
        err?.kind === "timeout" ? 504 : 502,
        retryAfterS,
      );
    }
    if ((part.state as RefundPart["state"]) === "processing") {
      await hold(refund, [part]);
      log.info(
        { externalReference: ref, refundId: refund.id, mercadopagoStatus: part.mpStatus },
        "refund processing at Mercado Pago (Orders API); read again until it ends",
      );
      return (await salesRepo.findById(sale.id)) ?? sale;
    }
    const finished = await finish(refund, [part], err);
    const after =
      finished.refundedCents > 0 ? await applyOutcome(sale, finished.refundedCents, call) : sale;
    log.info(
      { externalReference: ref, refundId: refund.id, refundedCents: finished.refundedCents },
      "refund finished (Orders API)",
    );
    if (finished.failure) throw failureError(finished.failure);
    return after;
  }

  async function execute(sale: Sale, refund: Refund, call: Required<CallOptions>): Promise<Sale> {
    if (sale.mercadopagoApi === "orders") return executeOrder(sale, refund, call);
    const ref = sale.externalReference;
    // The plan comes from Mercado Pago's view of the payments, so a payment already refunded
    // there (their panel) is not asked again. Nothing is sent yet: a failure here forgets the
    // reservation.
    let mo: MerchantOrder | null;
    // the sale's merchant's client: its refund is made at its account (none working: a 409)
    let mp: MercadoPagoClient;
    try {
      mp = await mpOf(sale);
    } catch (err) {
      await refunds.release(refund.id);
      throw err;
    }
    try {
      mo =
        sale.merchantOrderId === null
          ? null
          : await mp.getMerchantOrder(String(sale.merchantOrderId), call);
    } catch (err) {
      await refunds.release(refund.id);
      if (!(err instanceof MercadoPagoError)) throw err;
      throw new AppError(
        "mercadopago_unavailable",
        "Mercado Pago is unavailable (reading the payments); no refund was made, try again",
        [{ reason: err.kind, status: err.status }],
        err.kind === "timeout" ? 504 : 502,
        retryAfterS,
      );
    }
    const others = await refunds.listForSale(sale.id);
    const plan = mo
      ? planRefund(
          refund.amountCents,
          lessInFlight(
            refundables(mo),
            others.filter((r) => r.id !== refund.id),
          ),
        )
      : null;
    if (!plan) {
      await refunds.release(refund.id);
      // what Mercado Pago shows (a refund made there) is recorded on the way
      const current = mo
        ? await deps.sales.settle(sale, [observeMerchantOrder(mo)], "staff")
        : sale;
      const remainder = mo ? refundables(mo).reduce((s, p) => s + Math.max(0, p.cents), 0) : 0;
      throw notRefundable(current, current.status, remainder);
    }
    await refunds.update(refund.id, { parts: plan, at: deps.now() });
    const sent = await send(mp, sale, refund, plan, call);
    if (!sent.sentAny) {
      // nothing reached Mercado Pago (its refunds could not be read first): forget it
      await refunds.release(refund.id);
      const e = sent.lastError;
      throw new AppError(
        "mercadopago_unavailable",
        "Mercado Pago is unavailable (reading the payment's refunds); no refund was made, try again",
        [{ reason: e?.kind ?? "timeout", status: e?.status ?? null }],
        e === null || e.kind === "timeout" ? 504 : 502,
        retryAfterS,
      );
    }
    if (sent.unknown) {
      // the resolver reads the payment's refunds at its next round
      await refunds.update(refund.id, {
        nextCheckAt: new Date(deps.now().getTime() + config.resolveIntervalMs),
        at: deps.now(),
      });
      log.warn(
        { externalReference: ref, refundId: refund.id },
        "refund outcome unknown; resolving later",
      );
      throw new AppError(
        "mercadopago_unavailable",
        "Mercado Pago did not confirm the refund; its outcome is being checked: " +
          "send the same request with the same Idempotency-Key to see how it ended",
        [{ external_reference: ref, refund_status: "requested" }],
        sent.lastError?.kind === "timeout" ? 504 : 502,
        retryAfterS,
      );
    }
    if (onlyProcessing(sent.parts)) {
      const held = await hold(refund, sent.parts);
      log.info(
        { externalReference: ref, refundId: refund.id, refundedCents: held.refundedCents },
        "refund processing at Mercado Pago; read again until it ends",
      );
      if (held.refundedCents > 0) return applyOutcome(sale, held.refundedCents, call);
      return (await salesRepo.findById(sale.id)) ?? sale;
    }
    const finished = await finish(refund, sent.parts, sent.lastError);
    const after =
      finished.refundedCents > 0 ? await applyOutcome(sale, finished.refundedCents, call) : sale;
    log.info(
      { externalReference: ref, refundId: refund.id, refundedCents: finished.refundedCents },
      "refund finished",
    );
    if (finished.failure) throw failureError(finished.failure);
    return after;
  }

  /**
   * Refunds `amountCents` of a paid sale (all that remains when null) at Mercado Pago, across
   * its payments. The amount is reserved first under the sale's row lock, so concurrent refunds
   * never add up to more than was paid; an Idempotency-Key makes a retry answer as the first.
   */
  async function refund(externalReference: string, req: RefundRequest): Promise<Sale> {
    const call = { deadline: Date.now() + config.cashierDeadlineMs };
    const sale = await mustFind(externalReference);
    // in the sale's currency: no cents in CLP or COP, before anything is reserved
    const money = sale.currency ? profileOfCurrency(sale.currency) : undefined;
    const why = money && req.amountCents !== null ? amountProblem(req.amountCents, money) : null;
    if (why)
      throw new AppError("validation_failed", `amount: ${why}`, [{ path: "amount", message: why }]);
    const now = deps.now();
    const reserved = await refunds.reserve({
      saleId: sale.id,
      idempotencyKey: req.idempotencyKey,
      requestedCents: req.amountCents,
      lease: new Date(now.getTime() + config.cashierDeadlineMs + LEASE_MARGIN_MS),
      at: now,
    });
    switch (reserved.kind) {
      case "no_sale":
        throw new AppError("not_found", `no sale with external_reference ${externalReference}`);
      case "existing":
        return replay(sale, reserved.refund, req.amountCents);
      case "not_refundable":
        throw notRefundable(sale, reserved.status, reserved.remainderCents);
      case "reserved":
        return execute(sale, reserved.refund, call);
    }
  }

  return { refund };
}
