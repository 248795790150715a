import type { Sale as SaleRow } from "../generated/prisma/client.ts";
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

export interface OutboundEventBody {
  id: string;
  type: string;
  created_at: string;
  data: { sale: ReturnType<typeof presentSale> };
}

/** The body of an event as the contract says: `{ id, type, created_at, data: { sale } }`. */
export function eventBody(e: {
  id: string;
  type: string;
  createdAt: Date;
  saleRow: unknown;
}): OutboundEventBody {
  return {
    id: e.id,
    type: e.type,
    created_at: e.createdAt.toISOString(),
    data: { sale: presentSale(saleFromSnapshot(e.saleRow as Record<string, unknown>)) },
  };
}
