import { directPg, type Db } from "../db/database.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Sale as SaleRow, SaleEvent as SaleEventRow } from "../generated/prisma/client.ts";
import {
  isMercadoPagoApi,
  type MercadoPagoApi,
  type Publication,
  type UpstreamObservation,
} from "../mercadopago/upstream.ts";
import {
  ORDER_STATES,
  type CreateFailure,
  type OrderState,
  type Sale,
  type SaleEvent,
  type SaleEventSource,
  type SaleItem,
} from "./sale.ts";
import { isSaleStatus, sourcesOf, type SaleStatus } from "./sale-status.ts";

/** A new sale; `mercadopagoApi` defaults to instore orders v2. */
export type NewSale = { nextCheckAt: Date; mercadopagoApi?: MercadoPagoApi } & Pick<
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
>;

export type CreateResult =
  { kind: "created"; sale: Sale } | { kind: "reference_taken" } | { kind: "pos_busy" };

export interface TransitionInput {
  to: SaleStatus;
  source: SaleEventSource;
  observation?: UpstreamObservation | null;
  detail?: Record<string, unknown>;
  at: Date;
  /** where the order stands after the move; by default withdrawn (a settled sale holds no POS) */
  orderState?: OrderState;
  /** the sweeper's next look (a failed sale's clean-up, the late-payment watch); default none */
  nextCheckAt?: Date | null;
  /** a failed create: what it answered */
  failure?: CreateFailure;
}

export interface OrderStateChange {
  /** the states the order may be in for the change */
  from: OrderState[];
  to: OrderState;
  /** only while the sale is still pending */
  pendingOnly?: boolean;
  /** only while next_check_at is still this publication lease (no one else took the sale over) */
  lease?: Date;
  /** undefined: left as it is */
  nextCheckAt?: Date | null;
}

function status(s: string): SaleStatus {
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
type PgSaleRow = Omit<SaleRow, "totalCents" | "merchantOrderId" | "paidCents" | "refundedCents"> & {
  totalCents: string;
  merchantOrderId: string | null;
  paidCents: string;
  refundedCents: string;
};

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

/** The merchant order id of an instore observation (Orders API ids are not numbers). */
function merchantOrderIdOf(o: UpstreamObservation | null): bigint | null {
  return o && o.api === "instore_v2" ? BigInt(o.id) : null;
}

/**
 * The columns that name the resource an observation was read from: a merchant order (instore
 * v2), or the sale's own order (Orders API), as SET items.
 */
function resourceSet(o: UpstreamObservation): Prisma.Sql[] {
  return o.api === "instore_v2"
    ? [Prisma.sql`merchant_order_id = ${BigInt(o.id)}`, statusSet(o)]
    : [statusSet(o)];
}

/** The column that holds the status of the resource an observation was read from. */
function statusSet(o: UpstreamObservation): Prisma.Sql {
  return o.api === "instore_v2"
    ? Prisma.sql`merchant_order_status = ${o.status}`
    : Prisma.sql`order_status = ${o.status}`;
}

/** The resource a paid sale was paid by: only its news counts (see observeRefunds). */
function paidByResource(o: UpstreamObservation): Prisma.Sql {
  return o.api === "instore_v2"
    ? Prisma.sql`merchant_order_id = ${BigInt(o.id)}`
    : Prisma.sql`order_id = ${o.id}`;
}

/** The columns that hold what Mercado Pago showed for a sale, as SET items. */
function observationSet(o: UpstreamObservation): Prisma.Sql[] {
  return [
    ...resourceSet(o),
    Prisma.sql`paid_cents = ${BigInt(o.paidCents)}`,
    Prisma.sql`payments = ${JSON.stringify(o.payments)}::jsonb`,
    // a stale read never takes back a refund already seen
    Prisma.sql`refunded_cents = GREATEST(sales.refunded_cents, ${BigInt(o.refundedCents)})`,
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
export function saleColumns(table: string): Prisma.Sql {
  return Prisma.raw(saleColumnList(table));
}

function saleColumnList(table: string): string {
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
    createdAt: "created_at",
    updatedAt: "updated_at",
  });
  return fields.map(([field, column]) => `${table}.${column} AS "${field}"`).join(", ");
}

/** Told of every status written with its sale_events row (metrics); optional. */
export interface SaleTransitionObserver {
  saleTransition(
    from: SaleStatus | null,
    to: SaleStatus,
    source: SaleEventSource,
    sale: Sale,
  ): void;
}

/**
 * The hottest reads, sent through pg itself: through Prisma each costs several times the
 * statement (a lookup by reference answers GET /orders/:ref, every replayable POST /sales and
 * every batch of notifications). One text each whatever the input (an array parameter, not an
 * IN list), so each is prepared once per connection where statements may be named.
 */
const SALE_BY_REFERENCE = `SELECT ${saleColumnList("sales")} FROM sales WHERE external_reference = $1`;
const SALES_BY_REFERENCES = `SELECT ${saleColumnList("sales")} FROM sales WHERE external_reference = ANY($1::text[])`;

export function createSalesRepository(db: Db, observer?: SaleTransitionObserver) {
  const direct = directPg(db);

  async function selectSales(name: string, text: string, values: unknown[]): Promise<Sale[]> {
    const result = await direct.pool.query<PgSaleRow>({
      // a name makes Postgres parse and plan the text once per connection
      ...(direct.named ? { name } : {}),
      text,
      values,
    });
    return result.rows.map(toSale);
  }

  async function findByReference(externalReference: string): Promise<Sale | null> {
    const [sale] = await selectSales("sale_by_reference", SALE_BY_REFERENCE, [externalReference]);
    return sale ?? null;
  }

  return {
    findByReference,

    async findManyByReference(externalReferences: readonly string[]): Promise<Sale[]> {
      if (externalReferences.length === 0) return [];
      return selectSales("sales_by_references", SALES_BY_REFERENCES, [[...externalReferences]]);
    },

    async findById(id: string): Promise<Sale | null> {
      const row = await db.sale.findUnique({ where: { id } });
      return row ? toSale(row) : null;
    },

    /**
     * Stores a new pending sale, its order being published, and its `create` event in one
     * statement (so no transaction holds a connection across round trips); the database enforces
     * one pending per POS. `nextCheckAt` is the publication lease: if the request that publishes
     * the order is gone by then, the sweeper resumes the publication.
     */
    async create(input: NewSale): Promise<CreateResult> {
      // timestamps come from here, as Prisma's defaults do, not from the database's clock
      const now = new Date();
      try {
        const rows = await db.$queryRaw<SaleRow[]>`
          WITH sale AS (
            INSERT INTO sales (external_reference, store_id, pos_id, title, description, items,
                               taxes, total_cents, status, order_state, request_hash, expires_at,
                               next_check_at, mercadopago_api, created_at, updated_at)
            VALUES (${input.externalReference}, ${input.storeId}, ${input.posId}, ${input.title},
                    ${input.description}, ${JSON.stringify(input.items)}::jsonb,
                    ${input.taxes === null ? null : JSON.stringify(input.taxes)}::jsonb,
                    ${BigInt(input.totalCents)}, 'pending', 'publishing', ${input.requestHash},
                    ${input.expiresAt}, ${input.nextCheckAt}, ${input.mercadopagoApi ?? "instore_v2"}, ${now},
                    ${now})
            RETURNING *
          ), event AS (
            INSERT INTO sale_events (sale_id, from_status, to_status, source, at)
            SELECT id, NULL, 'pending', 'create', ${now} FROM sale
          )
          SELECT ${saleColumns("sale")} FROM sale`;
        const row = rows[0];
        if (!row) throw new Error("the sale insert returned no row");
        const sale = toSale(row);
        observer?.saleTransition(null, "pending", "create", sale);
        return { kind: "created", sale };
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
      const set = [
        Prisma.sql`status = ${t.to}`,
        Prisma.sql`updated_at = ${t.at}`,
        Prisma.sql`order_state = ${t.orderState ?? "withdrawn"}`,
        Prisma.sql`next_check_at = ${t.nextCheckAt ?? null}::timestamptz`,
      ];
      if (t.failure) set.push(Prisma.sql`failure = ${JSON.stringify(t.failure)}::jsonb`);
      if (o) set.push(...observationSet(o));
      if (t.to === "paid") set.push(Prisma.sql`paid_at = ${t.at}`);
      // an Orders API order id is no merchant order id: the event names it in its detail
      const detail = o?.api === "orders" ? { ...t.detail, order_id: o.id } : t.detail;
      if (t.to === "cancelled") set.push(Prisma.sql`cancelled_at = ${t.at}`);
      const rows = await db.$queryRaw<(SaleRow & { fromStatus: string })[]>`
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
          SELECT id, from_status, ${t.to}, ${t.source}, ${merchantOrderIdOf(o)}::bigint,
                 ${detail ? JSON.stringify(detail) : null}::jsonb, ${new Date()}
            FROM moved
        )
        SELECT ${saleColumns("moved")}, moved.from_status AS "fromStatus" FROM moved`;
      const row = rows[0];
      if (!row) return null;
      const sale = toSale(row);
      observer?.saleTransition(status(row.fromStatus), t.to, t.source, sale);
      return sale;
    },

    /**
     * Records what Mercado Pago shows for a sale that stays pending (no status change); null when
     * the sale is no longer pending.
     */
    async observe(saleId: string, o: UpstreamObservation): Promise<Sale | null> {
      const rows = await db.$queryRaw<SaleRow[]>`
        UPDATE sales SET ${Prisma.join(observationSet(o), ", ")}
         WHERE id = ${saleId}::uuid AND status = 'pending'
        RETURNING ${saleColumns("sales")}`;
      const row = rows[0];
      return row ? toSale(row) : null;
    },

    /**
     * Records what the merchant order that paid a settled sale shows of money given back
     * (refunded cents only grow); null when the sale is not paid or refunded by that order.
     */
    async observeRefunds(saleId: string, o: UpstreamObservation, at: Date): Promise<Sale | null> {
      const rows = await db.$queryRaw<SaleRow[]>`
        UPDATE sales SET
          refunded_cents = GREATEST(refunded_cents, ${BigInt(o.refundedCents)}),
          paid_cents = GREATEST(paid_cents, ${BigInt(o.paidCents)}),
          payments = ${JSON.stringify(o.payments)}::jsonb,
          ${statusSet(o)},
          updated_at = ${at}
         WHERE id = ${saleId}::uuid AND status IN ('paid', 'refunded')
           AND ${paidByResource(o)}
        RETURNING ${saleColumns("sales")}`;
      const row = rows[0];
      return row ? toSale(row) : null;
    },

    /** Keeps what the Orders API's create answered: the order's and its payment's ids, QR text. */
    async recordOrder(saleId: string, p: Publication): Promise<Sale | null> {
      const rows = await db.$queryRaw<SaleRow[]>`
        UPDATE sales SET order_id = ${p.orderId}, order_payment_id = ${p.paymentId},
                         qr_data = ${p.qrData}
         WHERE id = ${saleId}::uuid
        RETURNING ${saleColumns("sales")}`;
      const row = rows[0];
      return row ? toSale(row) : null;
    },

    /**
     * Raises a paid or refunded sale's refunded cents to at least `cents` (refunds this service
     * saw confirmed, before the merchant order shows them); null when nothing changed.
     */
    async raiseRefunded(saleId: string, cents: number, at: Date): Promise<Sale | null> {
      const rows = await db.$queryRaw<SaleRow[]>`
        UPDATE sales SET refunded_cents = ${BigInt(cents)}, updated_at = ${at}
         WHERE id = ${saleId}::uuid AND status IN ('paid', 'refunded')
           AND refunded_cents < ${BigInt(cents)}
        RETURNING ${saleColumns("sales")}`;
      const row = rows[0];
      return row ? toSale(row) : null;
    },

    /**
     * Claims sales whose look is due: pending sales to reconcile (an expiring sale is always due
     * by its expires_at, see the scheduler in the sweeper), publications and withdrawals left
     * over, and settled sales still watched for a late payment. SKIP LOCKED lets replicas share
     * the work; pushing next_check_at ahead is the lease, so a process that dies mid-check leaves
     * the sale to be claimed again once the lease runs out. Sales that owe nothing have no
     * next_check_at and are not in the partial index the claim walks.
     */
    async claimDue(limit: number, leaseMs: number): Promise<Sale[]> {
      const ids = await db.$queryRaw<{ id: string }[]>`
        UPDATE sales SET
          next_check_at = now() + make_interval(secs => ${leaseMs / 1000}::float8),
          check_attempts = check_attempts + 1
        WHERE id IN (
          SELECT id FROM sales
           WHERE next_check_at <= now()
           ORDER BY next_check_at
           LIMIT ${limit}
           FOR UPDATE SKIP LOCKED)
        RETURNING id`;
      if (ids.length === 0) return [];
      const rows = await db.sale.findMany({ where: { id: { in: ids.map((r) => r.id) } } });
      return rows.map(toSale);
    },

    /**
     * When the sweeper should next look at a sale (null: nothing owed), as long as the sale is
     * still as seen: whoever changed it since set its next look.
     */
    async scheduleCheck(
      saleId: string,
      at: Date | null,
      seen: Pick<Sale, "status" | "orderState">,
    ): Promise<void> {
      await db.sale.updateMany({
        where: { id: saleId, status: seen.status, orderState: seen.orderState },
        data: { nextCheckAt: at },
      });
    },

    /**
     * Makes pending sales created before `createdBefore` due for a look-up now (a notification
     * without the webhook secret may be about one of them); a publication keeps its own lease. Returns how many.
     */
    async checkPendingCreatedBefore(createdBefore: Date): Promise<number> {
      return db.$executeRaw`
        UPDATE sales SET next_check_at = now()
         WHERE status = 'pending' AND order_state = 'on_pos' AND created_at < ${createdBefore} AND next_check_at > now()`;
    },

    /** Moves the order's state if it is still in one of `from`; null when it was not. */
    async changeOrderState(saleId: string, c: OrderStateChange): Promise<Sale | null> {
      const set = [Prisma.sql`order_state = ${c.to}`];
      if (c.nextCheckAt !== undefined) {
        set.push(Prisma.sql`next_check_at = ${c.nextCheckAt}::timestamptz`);
      }
      const where = [
        Prisma.sql`id = ${saleId}::uuid`,
        Prisma.sql`order_state IN (${Prisma.join(c.from)})`,
      ];
      if (c.pendingOnly) where.push(Prisma.sql`status = 'pending'`);
      if (c.lease) where.push(Prisma.sql`next_check_at = ${c.lease}::timestamptz`);
      const rows = await db.$queryRaw<SaleRow[]>`
        UPDATE sales SET ${Prisma.join(set, ", ")}
         WHERE ${Prisma.join(where, " AND ")}
        RETURNING ${saleColumns("sales")}`;
      const row = rows[0];
      return row ? toSale(row) : null;
    },

    /**
     * A POS's current sale: its pending one, else its most recent (index-backed both ways), only
     * among the sales of `storeId` when given.
     */
    async currentOfPos(posId: string, storeId?: string): Promise<Sale | null> {
      const where = { posId, ...(storeId === undefined ? {} : { storeId }) };
      const row =
        (await db.sale.findFirst({ where: { ...where, status: "pending" } })) ??
        (await db.sale.findFirst({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }));
      return row ? toSale(row) : null;
    },

    /** Whether another sale than `saleId` holds the POS (is pending on it). */
    async posHeldByAnother(posId: string, saleId: string): Promise<boolean> {
      const n = await db.sale.count({
        where: { posId, status: "pending", id: { not: saleId } },
      });
      return n > 0;
    },

    /**
     * After a DELETE that may have hit the order of a sale created on the POS meanwhile: that
     * sale is published again (the sweeper looks at the POS and PUTs if its order is gone).
     */
    async republishPending(posId: string, at: Date): Promise<number> {
      return db.sale
        .updateMany({
          where: { posId, status: "pending", orderState: { in: ["publishing", "on_pos"] } },
          data: { orderState: "publishing", nextCheckAt: at },
        })
        .then((r) => r.count);
    },

    async events(saleId: string): Promise<SaleEvent[]> {
      const rows = await db.saleEvent.findMany({ where: { saleId }, orderBy: { id: "asc" } });
      return rows.map(toEvent);
    },
  };
}

export type SalesRepository = ReturnType<typeof createSalesRepository>;
