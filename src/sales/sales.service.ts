import { createHash, randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import { decide } from "../mercadopago/merchant-order.ts";
import { MercadoPagoError, type MercadoPagoClient } from "../mercadopago/mercadopago.client.ts";
import type { InstoreOrderBody, MerchantOrder } from "../mercadopago/mercadopago.schemas.ts";
import { fromCents, toCents } from "./money.ts";
import { inScope, type SaleScope } from "./sale-scope.ts";
import type { Sale, SaleEventSource, SaleItem } from "./sale.ts";
import type { SalesRepository } from "./sales.repository.ts";
import { itemCents, totalCents, type CreateSaleInput } from "./sales.schemas.ts";

export interface SalesServiceDeps {
  repo: SalesRepository;
  mp: MercadoPagoClient;
  logger: Logger;
  now: () => Date;
  config: {
    orderTtlSeconds: number;
    reconcileAfterMs: number;
    notificationUrl: string;
    sponsorId: string | undefined;
  };
}

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

/**
 * Mercado Pago's ISO-8601 form with milliseconds and an explicit offset
 * ("2023-08-22T16:34:56.559-04:00"); in UTC that is "+00:00", never "Z".
 */
export function mercadoPagoDate(d: Date): string {
  return d.toISOString().replace("Z", "+00:00");
}

export function instoreOrderBody(
  sale: Sale,
  notificationUrl: string,
  sponsorId: string | undefined,
): InstoreOrderBody {
  return {
    external_reference: sale.externalReference,
    title: sale.title,
    description: sale.description,
    notification_url: notificationUrl,
    expiration_date: mercadoPagoDate(sale.expiresAt),
    total_amount: fromCents(sale.totalCents),
    items: sale.items.map((item) => ({
      ...(item.skuNumber ? { sku_number: item.skuNumber } : {}),
      ...(item.category ? { category: item.category } : {}),
      title: item.title,
      ...(item.description ? { description: item.description } : {}),
      unit_price: fromCents(item.unitPriceCents),
      quantity: item.quantity,
      unit_measure: item.unitMeasure,
      total_amount: fromCents(item.unitPriceCents * item.quantity),
    })),
    ...(sale.taxes
      ? { taxes: sale.taxes.map((t) => ({ type: t.type, value: fromCents(t.valueCents) })) }
      : {}),
    ...(sponsorId ? { sponsor: { id: Number(sponsorId) } } : {}),
  };
}

function upstreamError(err: MercadoPagoError, what: string): AppError {
  return new AppError(
    "mercadopago_unavailable",
    `Mercado Pago is unavailable (${what}); try again`,
    [{ reason: err.kind, status: err.status }],
    err.kind === "timeout" ? 504 : 502,
  );
}

function asMercadoPagoError(err: unknown): MercadoPagoError {
  if (err instanceof MercadoPagoError) return err;
  throw err;
}

export function createSalesService(deps: SalesServiceDeps) {
  const { repo, mp, config } = deps;
  const log = deps.logger.child({ component: "sales" });

  /** A sale outside the caller's scope is "not found": its existence is not revealed. */
  async function mustFind(externalReference: string, scope: SaleScope = "all"): Promise<Sale> {
    const sale = await repo.findByReference(externalReference);
    if (!sale || !inScope(sale, scope))
      throw new AppError("not_found", `no sale with external_reference ${externalReference}`);
    return sale;
  }

  /**
   * The one decision path: whoever brings merchant orders (the notification worker, the
   * reconciler, a staff re-check, a cancel) hands them here, and `decide` says what they mean.
   */
  async function settle(sale: Sale, merchantOrders: MerchantOrder[], source: SaleEventSource) {
    const decision = decide(sale, merchantOrders);
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
            merchantOrderId: decision.observation?.merchantOrderId,
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
    return sale;
  }

  /**
   * A timeout or 5xx on the PUT leaves the order's fate unknown: look before deciding. On the POS
   * and ours → it landed, the sale stays pending. Otherwise the customer may already have paid it
   * (a paid order leaves the POS), so the merchant orders are read too; only an order that is
   * neither on the POS nor paid makes the sale `failed`.
   */
  async function resolveIndeterminatePut(sale: Sale, err: MercadoPagoError): Promise<Sale> {
    const ref = sale.externalReference;
    let onPos: boolean | null = null;
    try {
      const current = await mp.getPosOrder(sale.posId);
      onPos = current?.external_reference === ref;
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
      return sale;
    }
    const merchantOrders = await mp.searchMerchantOrders(ref).catch(() => []);
    const settled = await settle(sale, merchantOrders, "create");
    if (settled.status === "paid") return settled;
    if (onPos === null) {
      // Unknown either way: take the order off the POS if it landed, so no one pays a failed sale.
      await mp.deletePosOrder(sale.posId).catch(() => undefined);
    }
    const failed = await repo.transition(sale.id, {
      to: "failed",
      source: "create",
      detail: { reason: err.kind, status: err.status, verified: onPos !== null },
      at: deps.now(),
    });
    if (!failed) {
      // a notification settled it meanwhile: report what is stored
      const current = await mustFind(ref);
      if (current.status === "paid") return current;
    }
    throw upstreamError(err, "creating the order");
  }

  return {
    settle,

    /**
     * Applies merchant orders read from Mercado Pago to the sales they name (looked up together);
     * others are ignored.
     */
    async applyMerchantOrders(merchantOrders: MerchantOrder[], source: SaleEventSource) {
      const byReference = new Map<string, MerchantOrder[]>();
      for (const mo of merchantOrders) {
        if (!mo.external_reference) continue;
        const list = byReference.get(mo.external_reference);
        if (list) list.push(mo);
        else byReference.set(mo.external_reference, [mo]);
      }
      const sales = await repo.findManyByReference([...byReference.keys()]);
      const known = new Set(sales.map((s) => s.externalReference));
      for (const ref of byReference.keys()) {
        if (!known.has(ref)) {
          log.info({ externalReference: ref }, "merchant order for an unknown sale ignored");
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

    async create(input: CreateSaleInput): Promise<CreateSaleResult> {
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
      const created = await repo.create({
        externalReference,
        storeId: input.store_id,
        posId: input.pos_id,
        title,
        description: input.description ?? title,
        items,
        taxes:
          input.taxes?.map((t) => ({ type: t.type, valueCents: toCents(t.value) ?? 0 })) ?? null,
        totalCents: totalCents(input.items),
        requestHash: hash,
        expiresAt: new Date(now.getTime() + config.orderTtlSeconds * 1000),
        nextCheckAt: new Date(
          now.getTime() + Math.min(config.reconcileAfterMs, config.orderTtlSeconds * 1000),
        ),
      });
      if (created.kind === "reference_taken") {
        const raced = await mustFind(externalReference);
        return replayOf(raced, hash);
      }
      if (created.kind === "pos_busy") {
        throw new AppError("pos_busy", `POS ${input.pos_id} already has a pending sale`);
      }

      const sale = created.sale;
      try {
        await mp.putOrder(
          sale.storeId,
          sale.posId,
          instoreOrderBody(sale, config.notificationUrl, config.sponsorId),
        );
      } catch (err) {
        const e = asMercadoPagoError(err);
        if (e.kind !== "rejected")
          return { sale: await resolveIndeterminatePut(sale, e), replay: false };
        await repo.transition(sale.id, {
          to: "failed",
          source: "create",
          detail: { reason: "rejected", status: e.status, code: e.code },
          at: deps.now(),
        });
        throw new AppError("mercadopago_rejected", `Mercado Pago refused the order: ${e.message}`, [
          { mercadopago_error: e.code, status: e.status },
        ]);
      }
      log.info(
        { externalReference, posId: sale.posId, totalCents: sale.totalCents },
        "order is on the POS",
      );
      return { sale, replay: false };
    },

    get: (externalReference: string, scope: SaleScope) => mustFind(externalReference, scope),

    events: (sale: Sale) => repo.events(sale.id),

    /** Reads Mercado Pago now (all merchant orders for the reference) and applies them. */
    async refresh(externalReference: string, source: SaleEventSource = "staff"): Promise<Sale> {
      const sale = await mustFind(externalReference);
      const merchantOrders = await mp
        .searchMerchantOrders(externalReference)
        .catch((err: unknown) => {
          throw upstreamError(asMercadoPagoError(err), "reading merchant orders");
        });
      return settle(sale, merchantOrders, source);
    },

    /**
     * The reconciler's look at a pending sale: all merchant orders for its reference, through the
     * same decision path. Once its order has expired it is taken off the POS (if still ours)
     * before the final read, and only a sale that final read shows unpaid becomes `expired`.
     */
    async reconcile(sale: Sale): Promise<Sale> {
      const expiring = sale.expiresAt.getTime() <= deps.now().getTime();
      if (expiring) {
        const current = await mp.getPosOrder(sale.posId);
        if (current?.external_reference === sale.externalReference) {
          await mp.deletePosOrder(sale.posId);
        }
      }
      const merchantOrders = await mp.searchMerchantOrders(sale.externalReference);
      const settled = await settle(sale, merchantOrders, expiring ? "expiry" : "reconcile");
      if (!expiring || settled.status !== "pending") return settled;
      const expired = await repo.transition(sale.id, {
        to: "expired",
        source: "expiry",
        at: deps.now(),
      });
      if (expired) log.info({ externalReference: sale.externalReference }, "sale expired unpaid");
      return expired ?? (await mustFind(sale.externalReference));
    },

    /**
     * Cancels a pending sale: takes its order off the POS (only if the POS still shows ours),
     * then re-reads Mercado Pago, because the customer may have paid a moment ago. Paid wins.
     */
    async cancel(externalReference: string, scope: SaleScope): Promise<Sale> {
      const sale = await mustFind(externalReference, scope);
      if (sale.status === "cancelled") return sale;
      if (sale.status === "paid") throw alreadyPaid(sale);
      if (sale.status !== "pending") {
        throw new AppError("conflict", `the sale is ${sale.status} and cannot be cancelled`);
      }
      let merchantOrders: MerchantOrder[];
      try {
        const current = await mp.getPosOrder(sale.posId);
        if (current?.external_reference === sale.externalReference) {
          await mp.deletePosOrder(sale.posId);
        }
        merchantOrders = await mp.searchMerchantOrders(sale.externalReference);
      } catch (err) {
        // The order may still be payable: the sale stays pending and the cancel can be retried.
        throw upstreamError(asMercadoPagoError(err), "cancelling the order");
      }
      const settled = await settle(sale, merchantOrders, "staff");
      if (settled.status === "paid") throw alreadyPaid(settled);
      const cancelled = await repo.transition(sale.id, {
        to: "cancelled",
        source: "staff",
        at: deps.now(),
      });
      if (cancelled) {
        log.info({ externalReference }, "sale cancelled");
        return cancelled;
      }
      const now = await mustFind(externalReference);
      if (now.status === "paid") throw alreadyPaid(now);
      if (now.status === "cancelled") return now;
      throw new AppError("conflict", `the sale is ${now.status} and cannot be cancelled`);
    },
  };
}

function alreadyPaid(sale: Sale): AppError {
  return new AppError("already_paid", `the sale ${sale.externalReference} is already paid`);
}

function replayOf(existing: Sale, hash: string): CreateSaleResult {
  if (existing.requestHash !== hash) {
    throw new AppError(
      "conflict",
      `external_reference ${existing.externalReference} is already used by a different sale`,
    );
  }
  return { sale: existing, replay: true };
}

export type SalesService = ReturnType<typeof createSalesService>;
