import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import type { MercadoPagoClient } from "../mercadopago/mercadopago.client.ts";
import type { OrdersUpstream } from "../mercadopago/upstream.ts";
import { fromCents } from "../sales/money.ts";
import type { Sale } from "../sales/sale.ts";
import type { SalesRepository } from "../sales/sales.repository.ts";
import type { SalesService } from "../sales/sales.service.ts";
import type { Refund, RefundFailure } from "./refund.ts";
import type { RefundsRepository } from "./refunds.repository.ts";

export interface RefundsServiceDeps {
  refunds: RefundsRepository;
  salesRepo: Pick<SalesRepository, "findByReference" | "findById" | "raiseRefunded" | "transition">;
  /** the one decision path: merchant orders read after a refund are applied through it */
  sales: Pick<SalesService, "settle">;
  /** the default merchant's client */
  mp: MercadoPagoClient;
  /**
   * Platform mode: the client of the sale's merchant (its POS's store's), for instore refunds
   * and the reads around them; throws AppError merchant_not_connected when it has no working
   * token. Unset: one merchant, `mp`.
   */
  mpFor?: (sale: Sale) => Promise<MercadoPagoClient>;
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

export function failureError(f: RefundFailure): AppError {
  return new AppError(f.code, f.message, f.details, f.status);
}

export function notRefundable(sale: Sale, status: string, remainderCents: number): AppError {
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

/**
 * What every use case of the refunds service shares: its ports, its clock and log, the
 * Retry-After of a refund the resolver takes over, and the look-ups of a sale and of the refund
 * ids its other refunds account for.
 */
export function createRefundsContext(deps: RefundsServiceDeps) {
  const { refunds, salesRepo, mp, orders, config } = deps;
  const log = deps.logger.child({ component: "refunds" });
  const retryAfterS = Math.ceil(config.resolveIntervalMs / 1000) + 1;
  /** The client a sale's instore calls go out with: its merchant's. */
  const mpOf = (sale: Sale): Promise<MercadoPagoClient> =>
    deps.mpFor ? deps.mpFor(sale) : Promise.resolve(mp);

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

  return {
    deps,
    refunds,
    salesRepo,
    mpOf,
    orders,
    config,
    log,
    retryAfterS,
    mustFind,
    claimedElsewhere,
  };
}

export type RefundsContext = ReturnType<typeof createRefundsContext>;
