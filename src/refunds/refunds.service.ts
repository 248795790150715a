import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import {
  MercadoPagoError,
  deadlinePassed,
  type CallOptions,
  type MercadoPagoClient,
} from "../mercadopago/mercadopago.client.ts";
import { observeMerchantOrder } from "../mercadopago/instore-v2/merchant-order.ts";
import type { MerchantOrder } from "../mercadopago/mercadopago.schemas.ts";
import type { ObservedRefund, OrdersUpstream } from "../mercadopago/upstream.ts";
import { centsFromApi, fromCents } from "../sales/money.ts";
import type { Sale } from "../sales/sale.ts";
import { amountProblem } from "../sales/sale-currency.ts";
import { profileOfCurrency } from "../sites.ts";
import type { SalesRepository } from "../sales/sales.repository.ts";
import type { SalesService } from "../sales/sales.service.ts";
import {
  doneCents,
  findOrderRefund,
  findOurRefund,
  isOpen,
  mercadoPagoIdempotencyKey,
  onlyProcessing,
  planRefund,
  refundOutcome,
  settled,
  type Refund,
  type RefundFailure,
  type RefundPart,
  type Refundable,
} from "./refund.ts";
import type { RefundsRepository } from "./refunds.repository.ts";

export interface RefundsServiceDeps {
  refunds: RefundsRepository;
  salesRepo: Pick<SalesRepository, "findByReference" | "findById" | "raiseRefunded" | "transition">;
  /** the one decision path: merchant orders read after a refund are applied through it */
  sales: Pick<SalesService, "settle">;
  mp: MercadoPagoClient;
  /** the Orders API: sales published on it are refunded by order (POST /v1/orders/{id}/refund) */
  orders: OrdersUpstream;
  logger: Logger;
  now: () => Date;
  config: {
    /** CASHIER_DEADLINE_MS: longest a staff request waits on Mercado Pago in total */
    cashierDeadlineMs: number;
    /** how soon the resolver takes over a refund whose outcome is unknown */
    resolveIntervalMs: number;
  };
}

export interface RefundRequest {
  /** null: the whole remainder */
  amountCents: number | null;
  /** the client's Idempotency-Key */
  idempotencyKey: string | null;
}

/** Added to the deadline for the request's lease on its refund: past it, the resolver owns it. */
const LEASE_MARGIN_MS = 3_000;

/** Statuses of a Mercado Pago payment that can still be refunded. */
const REFUNDABLE_STATUS = "approved";

/** What is left to refund of each approved payment of the merchant order that paid the sale. */
function refundables(mo: MerchantOrder): Refundable[] {
  return mo.payments
    .filter((p) => p.status === REFUNDABLE_STATUS)
    .map((p) => ({
      paymentId: Number(p.id),
      cents: centsFromApi(p.transaction_amount) - centsFromApi(p.amount_refunded),
    }));
}

/** Subtracts, per payment, what other refunds in flight have planned and not settled. */
function lessInFlight(list: Refundable[], others: Refund[]): Refundable[] {
  const held = new Map<number, number>();
  for (const r of others) {
    if (!isOpen(r)) continue;
    for (const p of r.parts) {
      if (p.state === "done" || p.state === "failed") continue;
      held.set(p.paymentId, (held.get(p.paymentId) ?? 0) + p.amountCents);
    }
  }
  return list.map((p) => ({ ...p, cents: p.cents - (held.get(p.paymentId) ?? 0) }));
}

function failureError(f: RefundFailure): AppError {
  return new AppError(f.code, f.message, f.details, f.status);
}

function notRefundable(sale: Sale, status: string, remainderCents: number): AppError {
  const why =
    status !== "paid"
      ? `the sale is ${status}; only a paid sale can be refunded`
      : `more than remains to refund (${fromCents(remainderCents)})`;
  return new AppError("not_refundable", why, [
    {
      external_reference: sale.externalReference,
      status,
      refundable_amount: fromCents(remainderCents),
    },
  ]);
}

export function createRefundsService(deps: RefundsServiceDeps) {
  const { refunds, salesRepo, mp, orders, config } = deps;
  const log = deps.logger.child({ component: "refunds" });
  const retryAfterS = Math.ceil(config.resolveIntervalMs / 1000) + 1;

  async function mustFind(externalReference: string): Promise<Sale> {
    const sale = await salesRepo.findByReference(externalReference);
    if (!sale)
      throw new AppError("not_found", `no sale with external_reference ${externalReference}`);
    return sale;
  }

  /**
   * The Mercado Pago refund ids our other refunds of the sale already account for: payment
   * refunds (instore) and the Orders API's (REF…).
   */
  async function claimedElsewhere(refund: Refund) {
    const parts = (await refunds.listForSale(refund.saleId))
      .filter((r) => r.id !== refund.id)
      .flatMap((r) => r.parts);
    return {
      payments: new Set(parts.flatMap((p) => (p.mpRefundId === null ? [] : [p.mpRefundId]))),
      orders: new Set(
        parts.flatMap((p) => (p.orderRefundId === undefined ? [] : [p.orderRefundId])),
      ),
    };
  }

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
        const mo = await mp.getMerchantOrder(String(sale.merchantOrderId), call);
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

  /**
   * Sends the planned parts in turn. A definite no stops the plan (the later parts are not
   * sent). An unclear answer (timeout, 5xx) is resolved by reading the payment's refunds, never
   * by sending again; when they cannot be read either, the part stays unknown and the resolver
   * finishes the refund. Returns the parts as they end, and the last failure.
   */
  async function send(sale: Sale, refund: Refund, parts: RefundPart[], call: CallOptions) {
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
          await resolvePart(refund, part, call);
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
  async function resolvePart(refund: Refund, part: RefundPart, call: CallOptions) {
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
      const listed = await mp.listRefunds(part.paymentId, {});
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
    const left = seen ? seen.paidCents - seen.refundedCents - inFlight : 0;
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
    const sent = await send(sale, refund, plan, call);
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

  return {
    /** The refunds asked of a sale through this service, oldest first (its history shows them). */
    ofSale: (sale: Sale): Promise<Refund[]> => refunds.listForSale(sale.id),

    /**
     * Refunds `amountCents` of a paid sale (all that remains when null) at Mercado Pago, across
     * its payments. The amount is reserved first under the sale's row lock, so concurrent refunds
     * never add up to more than was paid; an Idempotency-Key makes a retry answer as the first.
     */
    async refund(externalReference: string, req: RefundRequest): Promise<Sale> {
      const call = { deadline: Date.now() + config.cashierDeadlineMs };
      const sale = await mustFind(externalReference);
      // in the sale's currency: no cents in CLP or COP, before anything is reserved
      const money = sale.currency ? profileOfCurrency(sale.currency) : undefined;
      const why = money && req.amountCents !== null ? amountProblem(req.amountCents, money) : null;
      if (why)
        throw new AppError("validation_failed", `amount: ${why}`, [
          { path: "amount", message: why },
        ]);
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
    },

    /**
     * The resolver's turn at a refund whose request is over with its outcome unknown, or that
     * Mercado Pago is still processing: parts that were sent (or may have been) are looked up in
     * the payment's refunds (instore) or sent again under the same key (Orders API), never made
     * twice; processing parts are read again; parts never sent are given up. Returns the refund
     * as stored, still `requested` or `processing` while it has not ended.
     */
    async resolve(refund: Refund): Promise<Refund> {
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
            await resolvePart(refund, part, {});
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
    },
  };
}

export type RefundsService = ReturnType<typeof createRefundsService>;
