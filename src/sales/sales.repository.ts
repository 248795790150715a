import type { Db } from "../db/database.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Sale as SaleRow, SaleEvent as SaleEventRow } from "../generated/prisma/client.ts";
import type { Observation } from "../mercadopago/merchant-order.ts";
import type { Sale, SaleEvent, SaleEventSource, SaleItem } from "./sale.ts";
import { isSaleStatus, sourcesOf, type SaleStatus } from "./sale-status.ts";

export type NewSale = Pick<
  Sale,
  | "externalReference"
  | "storeId"
  | "posId"
  | "title"
  | "description"
  | "items"
  | "taxes"
  | "totalCents"
  | "requestHash"
  | "expiresAt"
  | "nextCheckAt"
>;

export type CreateResult =
  { kind: "created"; sale: Sale } | { kind: "reference_taken" } | { kind: "pos_busy" };

export interface TransitionInput {
  to: SaleStatus;
  source: SaleEventSource;
  observation?: Observation | null;
  detail?: Record<string, unknown>;
  at: Date;
}

function status(s: string): SaleStatus {
  if (!isSaleStatus(s)) throw new Error(`unknown sale status in the database: ${s}`);
  return s;
}

function toSale(row: SaleRow): Sale {
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
    merchantOrderId: row.merchantOrderId === null ? null : Number(row.merchantOrderId),
    merchantOrderStatus: row.merchantOrderStatus,
    paidCents: Number(row.paidCents),
    payments: row.payments as unknown as Sale["payments"],
    requestHash: row.requestHash,
    expiresAt: row.expiresAt,
    paidAt: row.paidAt,
    cancelledAt: row.cancelledAt,
    nextCheckAt: row.nextCheckAt,
    checkAttempts: row.checkAttempts,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toEvent(row: SaleEventRow): SaleEvent {
  return {
    from: row.fromStatus === null ? null : status(row.fromStatus),
    to: status(row.toStatus),
    source: row.source as SaleEventSource,
    merchantOrderId: row.merchantOrderId === null ? null : Number(row.merchantOrderId),
    detail: row.detail,
    at: row.at,
  };
}

function observationData(o: Observation) {
  return {
    merchantOrderId: BigInt(o.merchantOrderId),
    merchantOrderStatus: o.merchantOrderStatus,
    paidCents: BigInt(o.paidCents),
    payments: o.payments,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

export function createSalesRepository(db: Db) {
  async function findByReference(externalReference: string): Promise<Sale | null> {
    const row = await db.sale.findUnique({ where: { externalReference } });
    return row ? toSale(row) : null;
  }

  return {
    findByReference,

    async findById(id: string): Promise<Sale | null> {
      const row = await db.sale.findUnique({ where: { id } });
      return row ? toSale(row) : null;
    },

    /** Stores a new pending sale and its `create` event; the database enforces one pending per POS. */
    async create(input: NewSale): Promise<CreateResult> {
      try {
        const row = await db.$transaction(async (tx) => {
          const sale = await tx.sale.create({
            data: {
              ...input,
              items: input.items as unknown as Prisma.InputJsonValue,
              taxes: input.taxes ?? Prisma.DbNull,
              totalCents: BigInt(input.totalCents),
              status: "pending",
            },
          });
          await tx.saleEvent.create({
            data: { saleId: sale.id, fromStatus: null, toStatus: "pending", source: "create" },
          });
          return sale;
        });
        return { kind: "created", sale: toSale(row) };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Two unique rules can refuse the insert; the reference is the one that can be looked up.
        const taken = await findByReference(input.externalReference);
        return taken ? { kind: "reference_taken" } : { kind: "pos_busy" };
      }
    },

    /**
     * Moves a sale to `to` if, and only if, its current status allows it: a conditional UPDATE
     * decides every race, and the event row is written in the same transaction, once.
     */
    async transition(saleId: string, t: TransitionInput): Promise<Sale | null> {
      return db.$transaction(async (tx) => {
        const current = await tx.sale.findUnique({ where: { id: saleId } });
        if (!current) return null;
        const from = status(current.status);
        const updated = await tx.sale.updateMany({
          where: { id: saleId, status: { in: sourcesOf(t.to).filter((s) => s === from) } },
          data: {
            status: t.to,
            ...(t.observation ? observationData(t.observation) : {}),
            ...(t.to === "paid" ? { paidAt: t.at } : {}),
            ...(t.to === "cancelled" ? { cancelledAt: t.at } : {}),
            updatedAt: t.at,
          },
        });
        if (updated.count !== 1) return null;
        await tx.saleEvent.create({
          data: {
            saleId,
            fromStatus: from,
            toStatus: t.to,
            source: t.source,
            merchantOrderId: t.observation ? BigInt(t.observation.merchantOrderId) : null,
            detail: (t.detail ?? Prisma.DbNull) as Prisma.InputJsonValue,
          },
        });
        const row = await tx.sale.findUniqueOrThrow({ where: { id: saleId } });
        return toSale(row);
      });
    },

    /** Records what Mercado Pago shows for a sale that stays pending (no status change). */
    async observe(saleId: string, o: Observation): Promise<void> {
      await db.sale.updateMany({
        where: { id: saleId, status: "pending" },
        data: observationData(o),
      });
    },

    /**
     * Claims pending sales whose check is due (an expiring sale is always due by its expires_at,
     * see the scheduler in the sweeper). SKIP LOCKED lets
     * replicas share the work; pushing next_check_at ahead is the lease, so a process that dies
     * mid-check leaves the sale to be claimed again once the lease runs out.
     */
    async claimDue(limit: number, leaseMs: number): Promise<Sale[]> {
      const ids = await db.$queryRaw<{ id: string }[]>`
        UPDATE sales SET
          next_check_at = now() + make_interval(secs => ${leaseMs / 1000}::float8),
          check_attempts = check_attempts + 1
        WHERE id IN (
          SELECT id FROM sales
           WHERE status = 'pending' AND next_check_at <= now()
           ORDER BY next_check_at
           LIMIT ${limit}
           FOR UPDATE SKIP LOCKED)
        RETURNING id`;
      if (ids.length === 0) return [];
      const rows = await db.sale.findMany({ where: { id: { in: ids.map((r) => r.id) } } });
      return rows.map(toSale);
    },

    /** When a pending sale should next be looked up at Mercado Pago. */
    async scheduleCheck(saleId: string, at: Date): Promise<void> {
      await db.sale.updateMany({
        where: { id: saleId, status: "pending" },
        data: { nextCheckAt: at },
      });
    },

    async events(saleId: string): Promise<SaleEvent[]> {
      const rows = await db.saleEvent.findMany({ where: { saleId }, orderBy: { id: "asc" } });
      return rows.map(toEvent);
    },
  };
}

export type SalesRepository = ReturnType<typeof createSalesRepository>;
