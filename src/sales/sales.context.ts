import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import { MercadoPagoError, type CallOptions } from "../mercadopago/mercadopago.client.ts";
import type {
  InstoreUpstream,
  MercadoPagoApi,
  OrdersUpstream,
  Upstream,
} from "../mercadopago/upstream.ts";
import { inScope, type SaleScope } from "../scope.ts";
import type { SiteProfile } from "../sites.ts";
import { PUBLICATION_MARGIN_MS } from "./sale-lifecycle.ts";
import type { CreateFailure, Sale } from "./sale.ts";
import type { SalesRepository } from "./sales.repository.ts";

export interface SalesServiceDeps {
  repo: SalesRepository;
  /** instore orders v2 (the order on the POS's slot) */
  instore: InstoreUpstream;
  /** Mercado Pago's Orders API (POST /v1/orders, type qr) */
  orders: OrdersUpstream;
  logger: Logger;
  now: () => Date;
  /**
   * Platform mode: throws merchant_not_connected (409, in words) when the POS's merchant has no
   * working token, so such a sale is refused before anything is stored. Unset: one merchant.
   */
  sellerReady?: (posId: string) => Promise<void>;
  config: {
    /** MP_API: the API new sales are published on; each sale stays on the one it was */
    api: MercadoPagoApi;
    orderTtlSeconds: number;
    reconcileAfterMs: number;
    /** CASHIER_DEADLINE_MS: longest a cashier's request waits on Mercado Pago in total */
    cashierDeadlineMs: number;
    /** RECONCILE_INTERVAL_MS: how soon the sweeper takes over what a request left */
    sweepIntervalMs: number;
    /** the site's money: its currency, decimals and cap (sites.ts) */
    money: Pick<SiteProfile, "currency" | "decimals" | "maxTotal">;
  };
}

/** Retry-After of a replay while a request is publishing: it usually ends within a second or two. */
const IN_PROGRESS_RETRY_S = 2;

/** A Mercado Pago failure as the cashier's answer: 504 on a timeout, else 502. */
export function upstreamError(
  err: MercadoPagoError,
  what: string,
  retryAfterSeconds?: number,
): AppError {
  return new AppError(
    "mercadopago_unavailable",
    `Mercado Pago is unavailable (${what}); try again`,
    [{ reason: err.kind, status: err.status }],
    err.kind === "timeout" ? 504 : 502,
    retryAfterSeconds,
  );
}

/** The answer a failed create gave, as stored with the sale. */
export function failureError(f: CreateFailure): AppError {
  return new AppError(f.code, f.message, f.details, f.status);
}

/** Mercado Pago's failures are answered; anything else is a bug and goes on up. */
export function asMercadoPagoError(err: unknown): MercadoPagoError {
  if (err instanceof MercadoPagoError) return err;
  throw err;
}

/**
 * What every use case of the sales service shares: its ports, its clock and log, the deadlines
 * of a cashier's request, and the look-up that hides a sale outside the caller's scope.
 */
export function createSalesContext(deps: SalesServiceDeps) {
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

  /** A sale outside the caller's scope is "not found": its existence is not revealed. */
  async function mustFind(externalReference: string, scope: SaleScope = "all"): Promise<Sale> {
    const sale = await repo.findByReference(externalReference);
    if (!sale || !inScope(sale, scope))
      throw new AppError("not_found", `no sale with external_reference ${externalReference}`);
    return sale;
  }

  return {
    deps,
    repo,
    instore,
    orders,
    config,
    log,
    upstreamOf,
    handOverSeconds,
    cashierCall,
    publicationLease,
    firstCheck,
    inProgress,
    mustFind,
  };
}

export type SalesContext = ReturnType<typeof createSalesContext>;
