import { directPg, directRows, type Db } from "../db/database.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Sale as SaleRow, SaleEvent as SaleEventRow } from "../generated/prisma/client.ts";
import { isMercadoPagoApi, type MercadoPagoApi } from "../mercadopago/upstream.ts";
import {
  ORDER_STATES,
  type CreateFailure,
  type OrderState,
  type Sale,
  type SaleEvent,
  type SaleEventSource,
  type SaleDispute,
  type SaleItem,
} from "./sale.ts";
import { isSaleStatus, type SaleStatus } from "./sale-status.ts";

// How a row of `sales` or `sale_events` becomes a Sale or a SaleEvent, and the columns that make
// a raw row read like a Prisma row: shared by the sales repository and the sales list.

/** A status as stored; another is a bug, not a value to carry on with. */
export function status(s: string): SaleStatus {
  if (!isSaleStatus(s)) throw new Error(`unknown sale status in the database: ${s}`);
  return s;
}

function mercadopagoApi(s: string): MercadoPagoApi {
  if (!isMercadoPagoApi(s)) throw new Error(`unknown Mercado Pago API in the database: ${s}`);
  return s;
}

function orderState(s: string): OrderState {
  if (!(ORDER_STATES as readonly string[]).includes(s)) {
    throw new Error(`unknown order state in the database: ${s}`);
  }
  return s as OrderState;
}

/**
 * A row read through pg directly (the hottest reads, see directPg): pg gives int8 as text, where
 * Prisma gives a bigint; every other column arrives as Prisma's does (jsonb parsed, timestamptz
 * as a Date, the session being in UTC).
 */
export type PgSaleRow = Omit<
  SaleRow,
  "totalCents" | "merchantOrderId" | "paidCents" | "refundedCents"
> & {
  totalCents: string;
  merchantOrderId: string | null;
  paidCents: string;
  refundedCents: string;
};

/**
 * The sale rows of one statement sent through pg itself (see directPg): the writes of a sale on
 * every POST /sales and every settled sale skip Prisma's query interpreter and result mapping.
 * The statements are Prisma.sql texts, with $n placeholders, prepared once per connection.
 */
export function saleRowsOf(db: Db) {
  const direct = directPg(db);
  return <R = PgSaleRow>(q: Prisma.Sql) => directRows<R>(direct, q);
}

/**
 * The sales of one batched statement, by their place in the batch: its text numbers the input
 * rows `WITH ORDINALITY` and returns that number as "batchIndex"; null where a row changed nothing.
 */
export function saleBatchOf(db: Db) {
  const direct = directPg(db);
  return async (text: string, values: unknown[], size: number): Promise<(Sale | null)[]> => {
    const rows = await directRows<PgSaleRow & { batchIndex: string }>(direct, { text, values });
    const sales: (Sale | null)[] = Array.from({ length: size }, () => null);
    // WITH ORDINALITY counts from 1; pg gives int8 as text
    for (const { batchIndex, ...row } of rows) sales[Number(batchIndex) - 1] = toSale(row);
    return sales;
  };
}

export function toSale(row: SaleRow | PgSaleRow): Sale {
  return {
    id: row.id,
    externalReference: row.externalReference,
    storeId: row.storeId,
    posId: row.posId,
    title: row.title,
    description: row.description,
    items: row.items as unknown as SaleItem[],
    taxes: (row.taxes as unknown as Sale["taxes"]) ?? null,
    totalCents: Number(row.totalCents),
    status: status(row.status),
    orderState: orderState(row.orderState),
    failure: (row.failure as unknown as CreateFailure | null) ?? null,
    merchantOrderId: row.merchantOrderId === null ? null : Number(row.merchantOrderId),
    merchantOrderStatus: row.merchantOrderStatus,
    paidCents: Number(row.paidCents),
    refundedCents: Number(row.refundedCents),
    payments: row.payments as unknown as Sale["payments"],
    requestHash: row.requestHash,
    expiresAt: row.expiresAt,
    paidAt: row.paidAt,
    cancelledAt: row.cancelledAt,
    nextCheckAt: row.nextCheckAt,
    checkAttempts: row.checkAttempts,
    mercadopagoApi: mercadopagoApi(row.mercadopagoApi),
    orderId: row.orderId,
    orderPaymentId: row.orderPaymentId,
    orderStatus: row.orderStatus,
    qrData: row.qrData,
    currency: row.currency,
    paymentInProcess: row.paymentInProcess,
    dispute: storedDispute(row.dispute),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A stored dispute, read without trusting its shape (null: none, or not one). */
export function storedDispute(v: unknown): SaleDispute | null {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
  const d = v as Record<string, unknown>;
  if (typeof d.paymentId !== "string" && typeof d.paymentId !== "number") return null;
  return {
    status: typeof d.status === "string" ? d.status : "charged_back",
    amountCents: typeof d.amountCents === "number" ? Math.trunc(d.amountCents) : 0,
    openedAt: typeof d.openedAt === "string" ? d.openedAt : null,
    paymentId: String(d.paymentId),
    chargebackId: typeof d.chargebackId === "string" ? d.chargebackId : null,
  };
}

export function toEvent(row: SaleEventRow): SaleEvent {
  return {
    from: row.fromStatus === null ? null : status(row.fromStatus),
    to: status(row.toStatus),
    source: row.source as SaleEventSource,
    merchantOrderId: row.merchantOrderId === null ? null : Number(row.merchantOrderId),
    detail: row.detail,
    at: row.at,
  };
}

/** The columns of `sales` under Prisma's field names, so a raw row maps like a Prisma row. */
export function saleColumns(table: string): Prisma.Sql {
  return Prisma.raw(saleColumnList(table));
}

/** Each table alias's column list, built once: the hot statements ask for it on every call. */
const columnLists = new Map<string, string>();

export function saleColumnList(table: string): string {
  let list = columnLists.get(table);
  if (list === undefined) {
    list = buildColumnList(table);
    columnLists.set(table, list);
  }
  return list;
}

function buildColumnList(table: string): string {
  const fields = Object.entries({
    id: "id",
    externalReference: "external_reference",
    storeId: "store_id",
    posId: "pos_id",
    title: "title",
    description: "description",
    items: "items",
    taxes: "taxes",
    totalCents: "total_cents",
    status: "status",
    orderState: "order_state",
    failure: "failure",
    merchantOrderId: "merchant_order_id",
    merchantOrderStatus: "merchant_order_status",
    paidCents: "paid_cents",
    refundedCents: "refunded_cents",
    payments: "payments",
    requestHash: "request_hash",
    expiresAt: "expires_at",
    paidAt: "paid_at",
    cancelledAt: "cancelled_at",
    nextCheckAt: "next_check_at",
    checkAttempts: "check_attempts",
    mercadopagoApi: "mercadopago_api",
    orderId: "order_id",
    orderPaymentId: "order_payment_id",
    orderStatus: "order_status",
    qrData: "qr_data",
    currency: "currency",
    paymentInProcess: "payment_in_process",
    dispute: "dispute",
    createdAt: "created_at",
    updatedAt: "updated_at",
  });
  return fields.map(([field, column]) => `${table}.${column} AS "${field}"`).join(", ");
}
