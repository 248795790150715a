import type { CallOptions } from "../mercadopago/mercadopago.client.ts";
import { keepDetails } from "../mercadopago/payment-details.ts";
import type { UpstreamObservation } from "../mercadopago/upstream.ts";
import { disputeToOpen } from "./disputes.ts";
import { decide } from "./settlement.ts";
import { watchStart } from "./sale-lifecycle.ts";
import type { Sale, SaleEventSource } from "./sale.ts";
import { asMercadoPagoError, upstreamError, type SalesContext } from "./sales.context.ts";

/** Sales settled at once by one batch of merchant orders (the pool holds 10 connections). */
const SETTLE_CONCURRENCY = 4;

/** The id of the upstream resource that speaks for a sale (the one that paid it, once paid). */
function upstreamIdOf(sale: Sale): string | null {
  if (sale.mercadopagoApi === "orders") return sale.orderId;
  return sale.merchantOrderId === null ? null : String(sale.merchantOrderId);
}

/** Settling a sale on what Mercado Pago shows, and the ways observations reach it. */
export function createSaleSettling(ctx: SalesContext) {
  const { deps, repo, instore, config, log, upstreamOf, handOverSeconds, cashierCall, mustFind } =
    ctx;

  /**
   * Mercado Pago says the sale's order is over with nothing paid (Orders API `expired` or
   * `canceled`, a merchant order `expired`): the sale ends at once, with Mercado Pago's status
   * in its history, which frees its POS, and is watched for a late payment as an expired sale
   * is. An instore merchant order is one scan's: the sale ends only once the POS no longer
   * holds its order (unreadable: left to the reconciler and the expiry). Null: no move.
   */
  async function endedUpstream(
    sale: Sale,
    decision: ReturnType<typeof decide>,
    source: SaleEventSource,
  ): Promise<Sale | null> {
    const o = decision.observation;
    if (!decision.to || !o || sale.orderState !== "on_pos") return null;
    if (sale.mercadopagoApi === "instore_v2") {
      const held = await instore.holds(sale).catch(() => null);
      if (held !== false) return null;
    }
    const now = deps.now();
    const moved = await repo.transition(sale.id, {
      to: decision.to,
      source,
      observation: o,
      at: now,
      detail: { reason: "ended_at_mercadopago", mercadopago_status: o.status },
      nextCheckAt: watchStart(sale, now, decision.to === "expired" ? 0 : config.reconcileAfterMs),
    });
    if (!moved) return (await repo.findById(sale.id)) ?? sale;
    log.info(
      { externalReference: sale.externalReference, to: moved.status, source, upstreamId: o.id },
      "sale ended by Mercado Pago",
    );
    return moved;
  }

  /**
   * The one decision path: whoever brings observations of Mercado Pago (the notification worker,
   * the reconciler, a staff re-check, a cancel), whichever API they come from, hands them here,
   * and `decide` says what they mean.
   */
  async function settle(
    sale: Sale,
    read: UpstreamObservation[],
    source: SaleEventSource,
    opts: {
      upstreamEnds?: boolean;
      call?: CallOptions;
      /**
       * No one is waiting for the move (the sweeper's reconcile): the payments' details are read
       * before it and stored by the move itself, one statement instead of two.
       */
      detailsFirst?: boolean;
    } = {},
  ): Promise<Sale> {
    // a read that lists no details (a merchant order read again) keeps those known of a payment
    let observations = read.map((o) => ({
      ...o,
      payments: keepDetails(sale.payments, o.payments),
    }));
    const early = opts.detailsFirst === true && sale.status === "pending";
    if (early) observations = await observationsWithDetails(sale, observations, opts.call);
    const settled = await move(sale, observations, source, opts);
    const detailed =
      !early && settled.status === "paid" && sale.status !== "paid"
        ? await withDetails(settled, opts.call)
        : settled;
    return disputed(detailed, observations, source);
  }

  /** The observations with their payments' details read (those that took money, see withDetails). */
  async function observationsWithDetails(
    sale: Sale,
    observations: UpstreamObservation[],
    call: CallOptions | undefined,
  ): Promise<UpstreamObservation[]> {
    const upstream = upstreamOf(sale);
    const complete = upstream.completeDetails?.bind(upstream);
    if (!complete) return observations;
    return Promise.all(
      observations.map(async (o) =>
        o.payments.length === 0 ? o : { ...o, payments: await complete(sale, o.payments, call) },
      ),
    );
  }

  /**
   * A sale that just became paid: the payments its read listed without details (instore v2's
   * merchant order) are read by id, once, after the move, so the cashier's paid is not held up.
   */
  async function withDetails(sale: Sale, call: CallOptions | undefined): Promise<Sale> {
    const upstream = upstreamOf(sale);
    if (!upstream.completeDetails || sale.payments.length === 0) return sale;
    const payments = await upstream.completeDetails(sale, sale.payments, call);
    if (JSON.stringify(payments) === JSON.stringify(sale.payments)) return sale;
    return (await repo.recordPayments(sale.id, payments)) ?? sale;
  }

  /** A chargeback on a paid sale: its dispute, once, with a `disputed` history row. */
  async function disputed(
    sale: Sale,
    observations: UpstreamObservation[],
    source: SaleEventSource,
  ): Promise<Sale> {
    const found = disputeToOpen(sale, observations);
    if (!found) return sale;
    if (found.kind === "update") {
      return (await repo.updateDispute(sale.id, found.dispute, deps.now())) ?? sale;
    }
    const payer = found.observation.id === upstreamIdOf(sale);
    const opened = await repo.openDispute(
      sale.id,
      found.dispute,
      source,
      deps.now(),
      // as the read shows them, with the details known of them (read just now, perhaps)
      payer ? keepDetails(sale.payments, found.observation.payments) : null,
    );
    if (!opened) return (await repo.findById(sale.id)) ?? sale;
    log.warn(
      {
        externalReference: sale.externalReference,
        paymentId: found.dispute.paymentId,
        amountCents: found.dispute.amountCents,
        source,
      },
      "chargeback on a paid sale",
    );
    return opened;
  }

  async function move(
    sale: Sale,
    observations: UpstreamObservation[],
    source: SaleEventSource,
    opts: { upstreamEnds?: boolean },
  ): Promise<Sale> {
    const decision = decide({ ...sale, paidBy: upstreamIdOf(sale) }, observations);
    if (decision.to && decision.endedUpstream) {
      const ended =
        (opts.upstreamEnds ?? true) ? await endedUpstream(sale, decision, source) : null;
      if (ended) return ended;
      decision.to = null;
    }
    if (decision.to) {
      const moved = await repo.transition(sale.id, {
        to: decision.to,
        source,
        observation: decision.observation,
        at: deps.now(),
      });
      if (moved) {
        log.info(
          {
            externalReference: sale.externalReference,
            from: sale.status,
            to: moved.status,
            source,
            upstreamId: decision.observation?.id,
          },
          "sale status changed",
        );
        return moved;
      }
      // another process moved it first; the stored state is the truth
      return (await repo.findById(sale.id)) ?? sale;
    }
    if (decision.observation && sale.status === "pending") {
      return (
        (await repo.observe(sale.id, decision.observation)) ??
        (await repo.findById(sale.id)) ??
        sale
      );
    }
    if (
      decision.observation &&
      (sale.status === "paid" || sale.status === "refunded") &&
      decision.observation.refundedCents > sale.refundedCents
    ) {
      const observed = await repo.observeRefunds(sale.id, decision.observation, deps.now());
      if (observed) {
        log.info(
          {
            externalReference: sale.externalReference,
            refundedCents: observed.refundedCents,
            source,
          },
          "refund seen at Mercado Pago",
        );
      }
      return observed ?? (await repo.findById(sale.id)) ?? sale;
    }
    return sale;
  }

  /**
   * Applies observations read from Mercado Pago (merchant orders, Orders API orders) to the
   * sales they name (looked up together); others are ignored. `readFor` is the merchant whose
   * token read them (null: the default merchant): they move only that merchant's sales. A
   * notification is a hint anyone can send, and any merchant can make an order at its own
   * account with another merchant's sale reference; without this, that order would settle the
   * other merchant's sale.
   */
  async function applyObservations(
    observations: UpstreamObservation[],
    source: SaleEventSource,
    readFor: { merchantId: string | null },
  ) {
    const byReference = new Map<string, UpstreamObservation[]>();
    for (const o of observations) {
      if (!o.externalReference) continue;
      const list = byReference.get(o.externalReference);
      if (list) list.push(o);
      else byReference.set(o.externalReference, [o]);
    }
    const sales = await repo.findManyOfMerchantByReference(
      [...byReference.keys()],
      readFor.merchantId,
    );
    const known = new Set(sales.map((s) => s.externalReference));
    for (const ref of byReference.keys()) {
      if (!known.has(ref)) {
        log.info(
          { externalReference: ref, merchantId: readFor.merchantId },
          "Mercado Pago resource for no sale of the merchant that read it ignored",
        );
      }
    }
    // a few at a time: a batch must not take every pooled connection from the cashiers' requests
    const settled: Sale[] = [];
    for (let i = 0; i < sales.length; i += SETTLE_CONCURRENCY) {
      const chunk = sales.slice(i, i + SETTLE_CONCURRENCY);
      settled.push(
        ...(await Promise.all(
          chunk.map((sale) => settle(sale, byReference.get(sale.externalReference) ?? [], source)),
        )),
      );
    }
    return settled;
  }

  /** Reads Mercado Pago now (all merchant orders for the reference) and applies them. */
  async function refresh(
    externalReference: string,
    source: SaleEventSource = "staff",
  ): Promise<Sale> {
    const call = cashierCall();
    const sale = await mustFind(externalReference);
    const observations = await upstreamOf(sale)
      .read(sale, call)
      .catch((err: unknown) => {
        throw upstreamError(asMercadoPagoError(err), "reading Mercado Pago", handOverSeconds);
      });
    return settle(sale, observations, source, { call });
  }

  return { settle, applyObservations, refresh };
}

export type SaleSettling = ReturnType<typeof createSaleSettling>;
