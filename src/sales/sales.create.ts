import { createHash, randomBytes } from "node:crypto";
import { AppError } from "../errors.ts";
import {
  deadlinePassed,
  type CallOptions,
  type MercadoPagoError,
} from "../mercadopago/mercadopago.client.ts";
import type { UpstreamObservation } from "../mercadopago/upstream.ts";
import { toCents } from "./money.ts";
import { inScope, type SaleScope } from "../scope.ts";
import type { CreateFailure, OrderState, Sale, SaleItem } from "./sale.ts";
import { asMercadoPagoError, failureError, type SalesContext } from "./sales.context.ts";
import { currencyProblems } from "./sale-currency.ts";
import type { SalePublication } from "./sales.publication.ts";
import { itemCents, totalCents, type CreateSaleInput } from "./sales.schemas.ts";
import type { SaleSettling } from "./sales.settle.ts";

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

/** A cashier's create: the sale stored pending first, then its order published, or replayed. */
export function createSaleCreation(
  ctx: SalesContext,
  { settle }: SaleSettling,
  { published, handOverPublication, failCreate, refusedCreate }: SalePublication,
) {
  const { deps, repo, instore, orders, config, log, cashierCall, publicationLease } = ctx;
  const { inProgress, mustFind } = ctx;

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
   * `scope`: what the caller may read; a `pos_busy` answer names the blocking sale only when
   * it is in it.
   */
  async function create(
    input: CreateSaleInput,
    scope: SaleScope = "all",
  ): Promise<CreateSaleResult> {
    const call = cashierCall();
    const externalReference = input.external_reference ?? newReference();
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
    // the currency's own rules (whole pesos in Chile and Colombia, its cap): before anything is stored
    const money = currencyProblems(input, config.money);
    if (money.length > 0) {
      throw new AppError(
        "validation_failed",
        money.map((p) => `${p.path}: ${p.message}`).join("; "),
        money,
      );
    }
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
    // only a body that could be a sale is matched against a reference: a bad body is a 400, never a
    // 409 that would send the till after a new reference for the same mistake
    const hash = requestHash(input, externalReference);

    await deps.sellerReady?.(input.pos_id);
    const now = deps.now();
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
      currency: config.money.currency,
      requestHash: hash,
      expiresAt: new Date(now.getTime() + config.orderTtlSeconds * 1000),
      nextCheckAt: lease,
    });
    // A replay is found by the insert, which finds its reference taken, not by a read before it:
    // a new sale, the common case, costs one statement before its order is published.
    if (created.kind === "reference_taken") return replayOf(created.sale, hash);
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
  }

  return { create };
}
