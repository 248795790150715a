import { createHash, randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import {
  MercadoPagoError,
  deadlinePassed,
  type CallOptions,
} from "../mercadopago/mercadopago.client.ts";
import type {
  InstoreUpstream,
  MercadoPagoApi,
  OrdersUpstream,
  Upstream,
  UpstreamObservation,
} from "../mercadopago/upstream.ts";
import { toCents } from "./money.ts";
import { inScope, type SaleScope } from "../scope.ts";
import { decide } from "./settlement.ts";
import { MIN_PUBLICATION_LIFE_MS, PUBLICATION_MARGIN_MS, watchStart } from "./sale-lifecycle.ts";
import type { CreateFailure, OrderState, Sale, SaleEventSource, SaleItem } from "./sale.ts";
import type { SalesRepository } from "./sales.repository.ts";
import { itemCents, totalCents, type CreateSaleInput } from "./sales.schemas.ts";

export interface SalesServiceDeps {
  repo: SalesRepository;
  /** instore orders v2 (the order on the POS's slot) */
  instore: InstoreUpstream;
  /** Mercado Pago's Orders API (POST /v1/orders, type qr) */
  orders: OrdersUpstream;
  logger: Logger;
  now: () => Date;
  config: {
    /** MP_API: the API new sales are published on; each sale stays on the one it was */
    api: MercadoPagoApi;
    orderTtlSeconds: number;
    reconcileAfterMs: number;
    /** CASHIER_DEADLINE_MS: longest a cashier's request waits on Mercado Pago in total */
    cashierDeadlineMs: number;
    /** RECONCILE_INTERVAL_MS: how soon the sweeper takes over what a request left */
    sweepIntervalMs: number;
  };
}

/** Retry-After of a replay while a request is publishing: it usually ends within a second or two. */
const IN_PROGRESS_RETRY_S = 2;

/** Sales settled at once by one batch of merchant orders (the pool holds 10 connections). */
const SETTLE_CONCURRENCY = 4;

export interface CreateSaleResult {
  sale: Sale;
  /** true when the same request had already created this sale */
  replay: boolean;
}

/** A server-made reference: 'sale-' and 24 hex characters. */
function newReference(): string {
  return `sale-${randomBytes(12).toString("hex")}`;
}

/** Same reference and same body is a replay; the hash covers the body as validated. */
function requestHash(input: CreateSaleInput, externalReference: string): string {
  const canonical = JSON.stringify({ ...input, external_reference: externalReference });
  return createHash("sha256").update(canonical).digest("hex");
}

function upstreamError(err: MercadoPagoError, what: string, retryAfterSeconds?: number): AppError {
  return new AppError(
    "mercadopago_unavailable",
    `Mercado Pago is unavailable (${what}); try again`,
    [{ reason: err.kind, status: err.status }],
    err.kind === "timeout" ? 504 : 502,
    retryAfterSeconds,
  );
}

/** The answer a failed create gave, as stored with the sale. */
function failureError(f: CreateFailure): AppError {
  return new AppError(f.code, f.message, f.details, f.status);
}

/** A replay of a create that failed answers as the first answer did, naming the sale. */
function failedReplayError(sale: Sale): AppError {
  const f: CreateFailure = sale.failure ?? {
    status: 502,
    code: "mercadopago_unavailable",
    message: "Mercado Pago is unavailable (creating the order)",
    details: [],
  };
  return new AppError(
    f.code,
    `${f.message.replace(/; try again$/, "")}. The sale ${sale.externalReference} failed: ` +
      "to try again, send the sale with a new external_reference",
    [...f.details, { external_reference: sale.externalReference, status: sale.status }],
    f.status,
  );
}

/** The id of the upstream resource that speaks for a sale (the one that paid it, once paid). */
function upstreamIdOf(sale: Sale): string | null {
  if (sale.mercadopagoApi === "orders") return sale.orderId;
  return sale.merchantOrderId === null ? null : String(sale.merchantOrderId);
}

function asMercadoPagoError(err: unknown): MercadoPagoError {
  if (err instanceof MercadoPagoError) return err;
  throw err;
}

export function createSalesService(deps: SalesServiceDeps) {
  const { repo, instore, orders, config } = deps;
  /** The API a sale was published on: it is settled, reconciled, cancelled there. */
  const upstreamOf = (sale: Sale): Upstream =>
    sale.mercadopagoApi === "orders" ? orders : instore;
  const log = deps.logger.child({ component: "sales" });
  /** Retry-After of a request whose work went on in the background: the sweeper's next round. */
  const handOverSeconds = Math.ceil(config.sweepIntervalMs / 1000) + 1;

  /** One deadline over every Mercado Pago call a cashier's request makes. */
  const cashierCall = (): Required<CallOptions> => ({
    deadline: Date.now() + config.cashierDeadlineMs,
  });

  /** The lease of a publication in a request: past it, the sweeper resumes the publication. */
  const publicationLease = (now: Date) =>
    new Date(now.getTime() + config.cashierDeadlineMs + PUBLICATION_MARGIN_MS);

  /** When a pending sale whose order is on the POS is first looked up at Mercado Pago. */
  const firstCheck = (sale: Pick<Sale, "expiresAt">, now: Date) =>
    new Date(Math.min(now.getTime() + config.reconcileAfterMs, sale.expiresAt.getTime()));

  /**
   * A replay, or a cancel, of a sale whose order is still being published. While a request holds
   * the publication (its lease is ahead) it ends within the deadline: look again soon. Once the
   * sweeper owns it, at its next round.
   */
  function inProgress(sale: Sale): AppError {
    const leaseLeftMs = (sale.nextCheckAt?.getTime() ?? 0) - deps.now().getTime();
    return new AppError(
      "in_progress",
      `the order of sale ${sale.externalReference} is still being published; try again shortly`,
      [{ external_reference: sale.externalReference, status: sale.status }],
      undefined,
      leaseLeftMs > 0 ? Math.min(leaseLeftMs / 1000, IN_PROGRESS_RETRY_S) : handOverSeconds,
    );
  }

  function replayOf(existing: Sale, hash: string): CreateSaleResult {
    if (existing.requestHash !== hash) {
      throw new AppError(
        "conflict",
        `external_reference ${existing.externalReference} is already used by a different sale`,
      );
    }
    if (existing.status === "pending" && existing.orderState === "publishing") {
      throw inProgress(existing);
    }
    if (existing.status === "failed") throw failedReplayError(existing);
    return { sale: existing, replay: true };
  }

  /** The order is on the POS: the publication is over, unless someone else took it over. */
  async function published(sale: Sale, lease?: Date): Promise<Sale> {
    const now = deps.now();
    const on = await repo.changeOrderState(sale.id, {
      from: ["publishing"],
      to: "on_pos",
      pendingOnly: true,
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

  /** A sale outside the caller's scope is "not found": its existence is not revealed. */
  async function mustFind(externalReference: string, scope: SaleScope = "all"): Promise<Sale> {
    const sale = await repo.findByReference(externalReference);
    if (!sale || !inScope(sale, scope))
      throw new AppError("not_found", `no sale with external_reference ${externalReference}`);
    return sale;
  }

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
    observations: UpstreamObservation[],
    source: SaleEventSource,
    opts: { upstreamEnds?: boolean } = {},
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
   * A timeout or 5xx on the PUT leaves the order's fate unknown: look before deciding. On the POS
   * and ours → it landed, the sale stays pending. Otherwise the customer may already have paid it
   * (a paid order leaves the POS), so the merchant orders are read too; only an order that is
   * neither on the POS nor paid makes the sale `failed`. Out of time at any step: the sweeper
   * takes the publication over.
   */
  async function resolveIndeterminatePut(
    sale: Sale,
    err: MercadoPagoError,
    call: Required<CallOptions>,
    lease: Date,
  ): Promise<Sale> {
    const ref = sale.externalReference;
    let onPos: boolean | null = null;
    try {
      onPos = await instore.holds(sale, call);
    } catch (lookupError) {
      log.warn(
        { externalReference: ref, err: lookupError },
        "cannot read the POS order after a failed PUT",
      );
    }
    if (onPos) {
      log.warn(
        { externalReference: ref, reason: err.message },
        "order PUT failed but the order is on the POS",
      );
      return published(sale, lease);
    }
    if (deadlinePassed(call.deadline)) return handOverPublication(sale, lease);
    let observations: UpstreamObservation[] = [];
    try {
      observations = await instore.read(sale, call);
    } catch {
      if (deadlinePassed(call.deadline)) return handOverPublication(sale, lease);
      // failing anyway is safe: the failed sale is still watched for a late payment
    }
    const settled = await settle(sale, observations, "create", { upstreamEnds: false });
    if (settled.status === "paid") return settled;
    let orderState: OrderState = "withdrawn";
    if (onPos === null) {
      if (deadlinePassed(call.deadline)) return handOverPublication(sale, lease);
      // Unknown either way: take the order off the POS if it landed, so no one pays a failed
      // sale; if the DELETE fails too it is owed, and the sweeper retries it.
      try {
        await instore.clearPos(sale.posId, call);
      } catch {
        orderState = "withdrawing";
      }
    }
    const failure: CreateFailure = {
      status: err.kind === "timeout" ? 504 : 502,
      code: "mercadopago_unavailable",
      message: "Mercado Pago is unavailable (creating the order); try again",
      details: [{ reason: err.kind, status: err.status }],
    };
    const failed = await failCreate(
      sale,
      failure,
      { reason: err.kind, status: err.status, verified: onPos !== null },
      orderState,
      true,
    );
    if (!failed) {
      // a notification settled it meanwhile: report what is stored
      const current = await mustFind(ref);
      if (current.status === "paid") return current;
    }
    throw failureError(failure);
  }

  /**
   * The sweeper's turn at a publication whose request is gone (a crash between storing the sale
   * and the PUT, or a request out of time): ours on the POS → done; else, while the sale holds
   * the POS and its order has life left, PUT it again (the PUT replaces the POS's slot); else a
   * payment still wins, and otherwise the sale fails, which frees the POS.
   */
  async function resumePublication(sale: Sale): Promise<Sale> {
    if (sale.mercadopagoApi === "orders") return resumeOrderPublication(sale);
    const ref = sale.externalReference;
    if (await instore.holds(sale)) return published(sale);
    // An empty POS may mean the lost request's PUT landed and the customer paid (a paid order
    // leaves the POS): a PUT now would offer the paid sale to the next customer. Look first.
    const settled = await settle(sale, await instore.read(sale), "reconcile");
    if (settled.status !== "pending") return settled;
    const now = deps.now();
    if (sale.expiresAt.getTime() - now.getTime() > MIN_PUBLICATION_LIFE_MS) {
      await instore.publish(sale);
      log.info({ externalReference: ref, posId: sale.posId }, "publication resumed");
      return published(sale);
    }
    const failed = await failCreate(
      settled,
      {
        status: 504,
        code: "mercadopago_unavailable",
        message: "Mercado Pago did not take the order in time",
        details: [{ reason: "not_published" }],
      },
      { reason: "not_published" },
      "withdrawn",
      true,
    );
    if (failed) log.warn({ externalReference: ref }, "publication given up: sale failed");
    return failed ?? (await mustFind(ref));
  }

  /**
   * Publishes an Orders API order and keeps its ids (and QR text) with the sale. The create is
   * idempotent (its key derives from the sale), so a create whose answer was lost is sent again
   * as it was: Mercado Pago answers with the order it made, or makes it once. A refusal fails the
   * sale; an unclear failure is left to the sweeper, which sends the same create again.
   */
  async function publishOrder(sale: Sale, call: Required<CallOptions>, lease: Date) {
    let publication;
    try {
      publication = await orders.publish(sale, call);
    } catch (err) {
      const e = asMercadoPagoError(err);
      if (e.kind !== "rejected") return handOverPublication(sale, lease);
      throw failureError((await refusedCreate(sale, e)).failure);
    }
    await repo.recordOrder(sale.id, publication);
    log.info(
      { externalReference: sale.externalReference, orderId: publication.orderId },
      "order created (Orders API)",
    );
    return published(sale, lease);
  }

  /**
   * The sweeper's turn at an Orders API publication whose request is gone: the same create
   * again (same key: the order it made, if it made one). With too little life left the order is
   * cancelled at once and read: a payment still wins, otherwise the sale fails.
   */
  async function resumeOrderPublication(sale: Sale): Promise<Sale> {
    let publication;
    try {
      publication = await orders.publish(sale);
    } catch (err) {
      const e = asMercadoPagoError(err);
      // unclear again: the next round sends the same create; a refusal ends it (no order made)
      if (e.kind !== "rejected") throw e;
      return (await refusedCreate(sale, e)).sale ?? (await mustFind(sale.externalReference));
    }
    const recorded = (await repo.recordOrder(sale.id, publication)) ?? sale;
    if (sale.expiresAt.getTime() - deps.now().getTime() > MIN_PUBLICATION_LIFE_MS) {
      log.info({ externalReference: sale.externalReference }, "publication resumed");
      return published(recorded);
    }
    await orders.withdraw(recorded);
    const settled = await settle(recorded, await orders.read(recorded), "reconcile", {
      upstreamEnds: false,
    });
    if (settled.status !== "pending") return settled;
    const failed = await failCreate(
      settled,
      {
        status: 504,
        code: "mercadopago_unavailable",
        message: "Mercado Pago did not take the order in time",
        details: [{ reason: "not_published" }],
      },
      { reason: "not_published" },
      "withdrawn",
      true,
    );
    return failed ?? (await mustFind(sale.externalReference));
  }

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
   * The clean-up DELETE owed by a sale that gave up its POS (a failed create): only while its
   * order can still be there, and only when the POS shows ours. A sale holding the POS now has
   * replaced (or is replacing) our order with its own PUT, so nothing is deleted.
   */
  async function withdraw(sale: Sale): Promise<Sale> {
    const ref = sale.externalReference;
    const done = async () =>
      (await repo.changeOrderState(sale.id, { from: ["withdrawing"], to: "withdrawn" })) ??
      (await mustFind(ref));
    // an Orders API order is its own, not a POS slot: cancelling it touches no other sale
    if (sale.mercadopagoApi === "orders") {
      await orders.withdraw(sale);
      return done();
    }
    if (sale.expiresAt.getTime() <= deps.now().getTime()) return done();
    if (await repo.posHeldByAnother(sale.posId, sale.id)) return done();
    if (await instore.holds(sale)) {
      await instore.clearPos(sale.posId);
      log.info({ externalReference: ref }, "order of a settled sale taken off the POS");
      // a sale created on this POS between the look and the DELETE may have lost its order
      await repo.republishPending(sale.posId, deps.now());
    }
    return done();
  }

  /** The reconciler's look at a pending sale whose order is on the POS. */
  async function reconcileOnPos(sale: Sale): Promise<Sale> {
    const expiring = sale.expiresAt.getTime() <= deps.now().getTime();
    const upstream = upstreamOf(sale);
    // Orders API: Mercado Pago expires the order itself (expiration_time is our TTL); the
    // cancel only covers a clock that runs behind ours, before the final read
    if (expiring) await upstream.withdraw(sale);
    // expiring: our own cancel shows as `canceled`; the sale expires below unless paid
    const settled = await settle(
      sale,
      await upstream.read(sale),
      expiring ? "expiry" : "reconcile",
      { upstreamEnds: !expiring },
    );
    if (!expiring || settled.status !== "pending") return settled;
    const now = deps.now();
    const expired = await repo.transition(sale.id, {
      to: "expired",
      source: "expiry",
      at: now,
      nextCheckAt: watchStart(sale, now, 0),
    });
    if (expired) log.info({ externalReference: sale.externalReference }, "sale expired unpaid");
    return expired ?? (await mustFind(sale.externalReference));
  }

  return {
    settle,

    /**
     * Applies observations read from Mercado Pago (merchant orders, Orders API orders) to the
     * sales they name (looked up together); others are ignored.
     */
    async applyObservations(observations: UpstreamObservation[], source: SaleEventSource) {
      const byReference = new Map<string, UpstreamObservation[]>();
      for (const o of observations) {
        if (!o.externalReference) continue;
        const list = byReference.get(o.externalReference);
        if (list) list.push(o);
        else byReference.set(o.externalReference, [o]);
      }
      const sales = await repo.findManyByReference([...byReference.keys()]);
      const known = new Set(sales.map((s) => s.externalReference));
      for (const ref of byReference.keys()) {
        if (!known.has(ref)) {
          log.info({ externalReference: ref }, "Mercado Pago resource for an unknown sale ignored");
        }
      }
      // a few at a time: a batch must not take every pooled connection from the cashiers' requests
      const settled: Sale[] = [];
      for (let i = 0; i < sales.length; i += SETTLE_CONCURRENCY) {
        const chunk = sales.slice(i, i + SETTLE_CONCURRENCY);
        settled.push(
          ...(await Promise.all(
            chunk.map((sale) =>
              settle(sale, byReference.get(sale.externalReference) ?? [], source),
            ),
          )),
        );
      }
      return settled;
    },

    /**
     * `scope`: what the caller may read; a `pos_busy` answer names the blocking sale only when
     * it is in it.
     */
    async create(input: CreateSaleInput, scope: SaleScope = "all"): Promise<CreateSaleResult> {
      const call = cashierCall();
      const externalReference = input.external_reference ?? newReference();
      const hash = requestHash(input, externalReference);
      // a reference we just made (96 random bits) cannot be taken: only a client's can be a replay
      if (input.external_reference !== undefined) {
        const existing = await repo.findByReference(externalReference);
        if (existing) return replayOf(existing, hash);
      }

      const now = deps.now();
      const items: SaleItem[] = input.items.map((i) => ({
        title: i.title,
        unitPriceCents: itemCents({ unit_price: i.unit_price, quantity: 1 }),
        quantity: i.quantity,
        unitMeasure: i.unit_measure,
        ...(i.sku_number ? { skuNumber: i.sku_number } : {}),
        ...(i.category ? { category: i.category } : {}),
        ...(i.description ? { description: i.description } : {}),
      }));
      const title = input.title ?? `Sale ${externalReference}`;
      const taxes =
        input.taxes?.map((t) => ({ type: t.type, valueCents: toCents(t.value) ?? 0 })) ?? null;
      const description = input.description ?? title;
      if (config.api === "orders") {
        // the Orders API's own limits: refused here, before anything is stored, never cut short
        const problems = orders.problems({ description, items, taxes });
        if (problems.length > 0) {
          throw new AppError(
            "validation_failed",
            problems.map((p) => `${p.path}: ${p.message}`).join("; "),
            problems,
          );
        }
      }
      const lease = publicationLease(now);
      const created = await repo.create({
        externalReference,
        storeId: input.store_id,
        posId: input.pos_id,
        title,
        description,
        items,
        taxes,
        totalCents: totalCents(input.items),
        mercadopagoApi: config.api,
        requestHash: hash,
        expiresAt: new Date(now.getTime() + config.orderTtlSeconds * 1000),
        nextCheckAt: lease,
      });
      if (created.kind === "reference_taken") {
        const raced = await mustFind(externalReference);
        return replayOf(raced, hash);
      }
      if (created.kind === "pos_busy") {
        // the blocking sale may have settled since the insert was refused: then none is named
        const blocking = await repo.currentOfPos(input.pos_id);
        const visible = blocking?.status === "pending" && inScope(blocking, scope);
        throw new AppError(
          "pos_busy",
          `POS ${input.pos_id} already has a pending sale` +
            (visible ? ` (${blocking.externalReference})` : ""),
          visible ? [{ external_reference: blocking.externalReference }] : [],
        );
      }

      const sale = created.sale;
      if (sale.mercadopagoApi === "orders") {
        return { sale: await publishOrder(sale, call, lease), replay: false };
      }
      try {
        await instore.publish(sale, call);
      } catch (err) {
        const e = asMercadoPagoError(err);
        if (e.kind !== "rejected") {
          return { sale: await resolveIndeterminatePut(sale, e, call, lease), replay: false };
        }
        throw failureError((await refusedCreate(sale, e)).failure);
      }
      log.info(
        { externalReference, posId: sale.posId, totalCents: sale.totalCents },
        "order is on the POS",
      );
      return { sale: await published(sale, lease), replay: false };
    },

    get: (externalReference: string, scope: SaleScope) => mustFind(externalReference, scope),

    /**
     * A POS's pending sale, else its most recent; 404 when it has none the caller may see (a POS
     * key bound elsewhere learns nothing of this POS).
     */
    async currentOfPos(posId: string, scope: SaleScope): Promise<Sale> {
      const sale = await repo.currentOfPos(posId, scope === "all" ? undefined : scope.storeId);
      if (!sale || !inScope(sale, scope)) {
        throw new AppError("not_found", `no sale on POS ${posId}`);
      }
      return sale;
    },

    events: (sale: Sale) => repo.events(sale.id),

    /** Reads Mercado Pago now (all merchant orders for the reference) and applies them. */
    async refresh(externalReference: string, source: SaleEventSource = "staff"): Promise<Sale> {
      const call = cashierCall();
      const sale = await mustFind(externalReference);
      const observations = await upstreamOf(sale)
        .read(sale, call)
        .catch((err: unknown) => {
          throw upstreamError(asMercadoPagoError(err), "reading Mercado Pago", handOverSeconds);
        });
      return settle(sale, observations, source);
    },

    /**
     * The sweeper's look at a sale that owes something: a publication or a cancel left over, the
     * reconciliation of a pending sale (once its order has expired it is taken off the POS, if
     * still ours, before the final read, and only a sale that final read shows unpaid becomes
     * `expired`), or, for a failed, cancelled or expired sale, the late-payment watch and the
     * clean-up DELETE still owed.
     */
    async reconcile(sale: Sale): Promise<Sale> {
      if (sale.status === "pending") {
        if (sale.orderState === "publishing") return resumePublication(sale);
        if (sale.orderState === "withdrawing") {
          return finishCancel(sale, {}, { completed_by: "sweeper" });
        }
        return reconcileOnPos(sale);
      }
      if (sale.status === "paid" || sale.status === "refunded") return sale;
      // a payment wins first: the DELETE may keep failing while the search works
      const settled = await settle(sale, await upstreamOf(sale).read(sale), "reconcile");
      if (settled.status === "paid" || settled.orderState !== "withdrawing") return settled;
      return withdraw(settled);
    },

    /**
     * Cancels a pending sale: takes its order off the POS (only if the POS still shows ours),
     * then re-reads Mercado Pago, because the customer may have paid a moment ago. Paid wins.
     * The request is recorded first (order withdrawing): if Mercado Pago fails or the deadline
     * comes, the sweeper finishes the cancel the same way.
     */
    async cancel(externalReference: string, scope: SaleScope): Promise<Sale> {
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
    },
  };
}

function alreadyPaid(sale: Sale): AppError {
  return new AppError("already_paid", `the sale ${sale.externalReference} is already paid`);
}

export type SalesService = ReturnType<typeof createSalesService>;
