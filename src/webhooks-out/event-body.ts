import type { Sale as SaleRow } from "../generated/prisma/client.ts";
import { fromCents } from "../money.ts";
import { presentSale } from "../sales/sale.presenter.ts";
import { toSale } from "../sales/sale-rows.ts";

/** The timestamp columns of `sales`: to_jsonb writes them as text. */
const DATES = new Set([
  "expiresAt",
  "paidAt",
  "cancelledAt",
  "nextCheckAt",
  "createdAt",
  "updatedAt",
]);

/** A `sales` row kept by the outbox (to_jsonb: snake_case, dates as text) read as a Prisma row. */
export function saleFromSnapshot(snapshot: Record<string, unknown>) {
  const row: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(snapshot)) {
    const field = column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    row[field] = DATES.has(field) && typeof value === "string" ? new Date(value) : value;
  }
  return toSale(row as unknown as SaleRow);
}

/** The refund a refund.failed event is about: which one, how much, and why, as Mercado Pago said. */
export interface EventRefund {
  id: string;
  status: string;
  amount: number;
  refunded_amount: number;
  failure: { code: string; message: string } | null;
  created_at: string;
}

/** A `refunds` row kept by the outbox (to_jsonb: snake_case, cents as numbers). */
export function refundFromSnapshot(snapshot: Record<string, unknown>): EventRefund {
  const failure = snapshot.failure as { code?: unknown; message?: unknown } | null | undefined;
  return {
    id: String(snapshot.id),
    status: String(snapshot.status),
    amount: fromCents(Number(snapshot.amount_cents)),
    refunded_amount: fromCents(Number(snapshot.refunded_cents ?? 0)),
    failure: failure ? { code: String(failure.code), message: String(failure.message) } : null,
    created_at: new Date(String(snapshot.created_at)).toISOString(),
  };
}

export interface OutboundEventBody {
  id: string;
  type: string;
  created_at: string;
  data: { sale: ReturnType<typeof presentSale>; refund?: EventRefund };
}

/**
 * The body of an event as the contract says: `{ id, type, created_at, data: { sale } }`; a
 * refund.failed event's data also names its refund (a sale can have several).
 */
export function eventBody(e: {
  id: string;
  type: string;
  createdAt: Date;
  saleRow: unknown;
  refundRow?: unknown;
}): OutboundEventBody {
  const sale = presentSale(saleFromSnapshot(e.saleRow as Record<string, unknown>));
  const refund =
    e.refundRow && typeof e.refundRow === "object"
      ? refundFromSnapshot(e.refundRow as Record<string, unknown>)
      : undefined;
  return {
    id: e.id,
    type: e.type,
    created_at: e.createdAt.toISOString(),
    data: refund ? { sale, refund } : { sale },
  };
}
