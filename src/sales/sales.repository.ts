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

/** The columns that hold what Mercado Pago showed for a sale, as SET items. */
function observationSet(o: Observation): Prisma.Sql[] {
  return [
    Prisma.sql`merchant_order_id = ${BigInt(o.merchantOrderId)}`,
    Prisma.sql`merchant_order_status = ${o.merchantOrderStatus}`,
    Prisma.sql`paid_cents = ${BigInt(o.paidCents)}`,
    Prisma.sql`payments = ${JSON.stringify(o.payments)}::jsonb`,
  ];
}

function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (err.code === "P2002") return true;
  // a raw query reports the driver's error instead
  const cause = (err.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined)?.cause;
  return err.code === "P2010" && cause?.kind === "UniqueConstraintViolation";
}

/** The columns of `sales` under Prisma's field names, so a raw row maps like a Prisma row. */
function saleColumns(table: string): Prisma.Sql {
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
    merchantOrderId: "merchant_order_id",
    merchantOrderStatus: "merchant_order_status",
    paidCents: "paid_cents",
    payments: "payments",
    requestHash: "request_hash",
    expiresAt: "expires_at",
    paidAt: "paid_at",
    cancelledAt: "cancelled_at",
    nextCheckAt: "next_check_at",
    checkAttempts: "check_attempts",
    createdAt: "created_at",
    updatedAt: "updated_at",
  });
  return Prisma.raw(fields.map(([field, column]) => `${table}.${column} AS "${field}"`).join(", "));
}

export function createSalesRepository(db: Db) {
  async function findByReference(externalReference: string): Promise<Sale | null> {
    const row = await db.sale.findUnique({ where: { externalReference } });
    return row ? toSale(row) : null;
  }

  return {
    findByReference,

    async findManyByReference(externalReferences: readonly string[]): Promise<Sale[]> {
      if (externalReferences.length === 0) return [];
      const rows = await db.sale.findMany({
        where: { externalReference: { in: [...externalReferences] } },
      });
      return rows.map(toSale);
    },

    async findById(id: string): Promise<Sale | null> {
      const row = await db.sale.findUnique({ where: { id } });
      return row ? toSale(row) : null;
    },

    /**
     * Stores a new pending sale and its `create` event in one statement (so no transaction holds
     * a connection across round trips); the database enforces one pending per POS.
     */
    async create(input: NewSale): Promise<CreateResult> {
      // timestamps come from here, as Prisma's defaults do, not from the database's clock
      const now = new Date();
      try {
        const rows = await db.$queryRaw<SaleRow[]>`
          WITH sale AS (
            INSERT INTO sales (external_reference, store_id, pos_id, title, description, items,
                               taxes, total_cents, status, request_hash, expires_at, next_check_at,
                               created_at, updated_at)
            VALUES (${input.externalReference}, ${input.storeId}, ${input.posId}, ${input.title},
                    ${input.description}, ${JSON.stringify(input.items)}::jsonb,
                    ${input.taxes === null ? null : JSON.stringify(input.taxes)}::jsonb,
                    ${BigInt(input.totalCents)}, 'pending', ${input.requestHash},
                    ${input.expiresAt}, ${input.nextCheckAt}, ${now}, ${now})
            RETURNING *
          ), event AS (
            INSERT INTO sale_events (sale_id, from_status, to_status, source, at)
            SELECT id, NULL, 'pending', 'create', ${now} FROM sale
          )
          SELECT ${saleColumns("sale")} FROM sale`;
        const row = rows[0];
        if (!row) throw new Error("the sale insert returned no row");
        return { kind: "created", sale: toSale(row) };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Two unique rules can refuse the insert; the reference is the one that can be looked up.
        const taken = await findByReference(input.externalReference);
        return taken ? { kind: "reference_taken" } : { kind: "pos_busy" };
      }
    },

    /**
     * Moves a sale to `to` if, and only if, its current status allows it: one statement locks the
     * row, makes the conditional UPDATE that decides every race, and writes the event row once.
     */
    async transition(saleId: string, t: TransitionInput): Promise<Sale | null> {
      const sources = sourcesOf(t.to);
      if (sources.length === 0) return null;
      const o = t.observation ?? null;
      const set = [Prisma.sql`status = ${t.to}`, Prisma.sql`updated_at = ${t.at}`];
      if (o) set.push(...observationSet(o));
      if (t.to === "paid") set.push(Prisma.sql`paid_at = ${t.at}`);
      if (t.to === "cancelled") set.push(Prisma.sql`cancelled_at = ${t.at}`);
      const rows = await db.$queryRaw<SaleRow[]>`
        WITH cur AS (
          SELECT id, status FROM sales WHERE id = ${saleId}::uuid FOR UPDATE
        ), moved AS (
          UPDATE sales SET ${Prisma.join(set, ", ")}
            FROM cur
           WHERE sales.id = cur.id AND cur.status IN (${Prisma.join(sources)})
          RETURNING sales.*, cur.status AS from_status
        ), event AS (
          INSERT INTO sale_events (sale_id, from_status, to_status, source, merchant_order_id,
                                   detail, at)
          SELECT id, from_status, ${t.to}, ${t.source},
                 ${o ? BigInt(o.merchantOrderId) : null}::bigint,
                 ${t.detail ? JSON.stringify(t.detail) : null}::jsonb, ${new Date()}
            FROM moved
        )
        SELECT ${saleColumns("moved")} FROM moved`;
      const row = rows[0];
      return row ? toSale(row) : null;
    },

    /**
     * Records what Mercado Pago shows for a sale that stays pending (no status change); null when
     * the sale is no longer pending.
     */
    async observe(saleId: string, o: Observation): Promise<Sale | null> {
      const rows = await db.$queryRaw<SaleRow[]>`
        UPDATE sales SET ${Prisma.join(observationSet(o), ", ")}
         WHERE id = ${saleId}::uuid AND status = 'pending'
        RETURNING ${saleColumns("sales")}`;
      const row = rows[0];
      return row ? toSale(row) : null;
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

    /**
     * Makes pending sales created before `createdBefore` due for a look-up now (a notification
     * without the webhook secret may be about one of them). Returns how many.
     */
    async checkPendingCreatedBefore(createdBefore: Date): Promise<number> {
      return db.$executeRaw`
        UPDATE sales SET next_check_at = now()
         WHERE status = 'pending' AND created_at < ${createdBefore} AND next_check_at > now()`;
    },

    async events(saleId: string): Promise<SaleEvent[]> {
      const rows = await db.saleEvent.findMany({ where: { saleId }, orderBy: { id: "asc" } });
      return rows.map(toEvent);
    },
  };
}

export type SalesRepository = ReturnType<typeof createSalesRepository>;
