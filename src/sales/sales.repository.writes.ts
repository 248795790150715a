import type { Db } from "../db/database.ts";
import { groupCommit } from "../db/group-commit.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { MercadoPagoApi, Publication, UpstreamObservation } from "../mercadopago/upstream.ts";
import type { CreateFailure, OrderState, Sale, SaleEventSource } from "./sale.ts";
import { sourcesOf, type SaleStatus } from "./sale-status.ts";
import {
  saleBatchOf,
  saleColumnList,
  saleColumns,
  saleRowsOf,
  status,
  toSale,
  type PgSaleRow,
} from "./sale-rows.ts";
import type { SalesReads } from "./sales.repository.reads.ts";

/** A new sale; `mercadopagoApi` defaults to instore orders v2. */
export type NewSale = {
  nextCheckAt: Date;
  mercadopagoApi?: MercadoPagoApi;
  /** ISO 4217; absent: none recorded */
  currency?: string;
} & Pick<
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
  { kind: "created"; sale: Sale } | { kind: "reference_taken"; sale: Sale } | { kind: "pos_busy" };

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

/** A sale whose order is now on its POS (see markOnPos). */
export interface OnPos {
  saleId: string;
  /** only while next_check_at is still this publication lease; undefined: whoever holds it */
  lease?: Date;
  /** when the sweeper first looks at the sale */
  nextCheckAt: Date;
}

/** The most sales one statement marks on their POS. */
const ON_POS_BATCH = 64;
/**
 * Mark statements out at once: one held up (a sale's row locked by a long transaction) leaves
 * the other cashiers' sales to the other. Each mark is about its own sale, so their order of
 * commit does not matter. Two, not more: with 32 creates in flight each sent 1.15 statements
 * with one out, 1.29 with two and 1.46 with four, the batches being that much smaller.
 */
const ON_POS_IN_FLIGHT = 2;

/**
 * The publication's end for every sale of a batch (publishing → on_pos while pending and, where
 * given, while the lease is still the one that published it): the same condition as
 * changeOrderState's, row by row. One text for every batch size.
 */
const MARK_ON_POS = `UPDATE sales SET order_state = 'on_pos', next_check_at = b.next_check_at
  FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY
       AS b(id, lease, next_check_at, i)
 WHERE sales.id = b.id AND sales.order_state = 'publishing' AND sales.status = 'pending'
   AND (b.lease IS NULL OR sales.next_check_at = b.lease)
RETURNING b.i AS "batchIndex", ${saleColumnList("sales")}`;

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
    Prisma.sql`payment_in_process = ${o.paymentInProcess ?? false}`,
    // a stale read never takes back a refund already seen
    Prisma.sql`refunded_cents = GREATEST(sales.refunded_cents, ${BigInt(o.refundedCents)})`,
  ];
}

/** Postgres's unique_violation, as pg reports it. */
function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === "23505";
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
 * The sales repository's writes: a new sale, its status moves (each with its event), what
 * Mercado Pago showed of it, and its order's state.
 */
export function createSalesWrites(
  db: Db,
  { findByReference }: Pick<SalesReads, "findByReference">,
  observer?: SaleTransitionObserver,
) {
  // every write of a sale's row goes through pg itself (saleRowsOf)
  const saleRows = saleRowsOf(db);
  /**
   * Stores a new pending sale, its order being published, and its `create` event in one
   * statement (so no transaction holds a connection across round trips); the database enforces
   * one pending per POS. `nextCheckAt` is the publication lease: if the request that publishes
   * the order is gone by then, the sweeper resumes the publication.
   */
  async function create(input: NewSale): Promise<CreateResult> {
    // timestamps come from here, as Prisma's defaults do, not from the database's clock
    const now = new Date();
    try {
      const rows = await saleRows(Prisma.sql`
        WITH sale AS (
          INSERT INTO sales (external_reference, store_id, pos_id, title, description, items,
                             taxes, total_cents, status, order_state, request_hash, expires_at,
                             next_check_at, mercadopago_api, currency, created_at, updated_at)
          VALUES (${input.externalReference}, ${input.storeId}, ${input.posId}, ${input.title},
                  ${input.description}, ${JSON.stringify(input.items)}::jsonb,
                  ${input.taxes === null ? null : JSON.stringify(input.taxes)}::jsonb,
                  ${BigInt(input.totalCents)}, 'pending', 'publishing', ${input.requestHash},
                  ${input.expiresAt}, ${input.nextCheckAt}, ${input.mercadopagoApi ?? "instore_v2"},
                  ${input.currency ?? null}, ${now},
                  ${now})
          ON CONFLICT (external_reference) DO NOTHING
          RETURNING *
        ), event AS (
          INSERT INTO sale_events (sale_id, from_status, to_status, source, at)
          SELECT id, NULL, 'pending', 'create', ${now} FROM sale
        )
        SELECT ${saleColumns("sale")} FROM sale`);
      const row = rows[0];
      if (!row) {
        // the reference is taken: a replay (or a clash), told apart by the caller
        const taken = await findByReference(input.externalReference);
        if (!taken)
          throw new Error("the sale insert returned no row and no sale holds its reference");
        return { kind: "reference_taken", sale: taken };
      }
      const sale = toSale(row);
      observer?.saleTransition(null, "pending", "create", sale);
      return { kind: "created", sale };
    } catch (err) {
      // A taken reference is no error (ON CONFLICT above: a replay logs nothing in Postgres);
      // the one left is the POS's pending sale. A reference taken between the two is looked up.
      if (!isUniqueViolation(err)) throw err;
      const taken = await findByReference(input.externalReference);
      return taken ? { kind: "reference_taken", sale: taken } : { kind: "pos_busy" };
    }
  }

  /**
   * Moves a sale to `to` if, and only if, its current status allows it: one statement locks the
   * row, makes the conditional UPDATE that decides every race, and writes the event row once.
   */
  async function transition(saleId: string, t: TransitionInput): Promise<Sale | null> {
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
    const rows = await saleRows<PgSaleRow & { fromStatus: string }>(Prisma.sql`
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
      SELECT ${saleColumns("moved")}, moved.from_status AS "fromStatus" FROM moved`);
    const row = rows[0];
    if (!row) return null;
    const sale = toSale(row);
    observer?.saleTransition(status(row.fromStatus), t.to, t.source, sale);
    return sale;
  }

  /**
   * Records what Mercado Pago shows for a sale that stays pending (no status change); null when
   * the sale is no longer pending.
   */
  async function observe(saleId: string, o: UpstreamObservation): Promise<Sale | null> {
    const rows = await saleRows(Prisma.sql`
      UPDATE sales SET ${Prisma.join(observationSet(o), ", ")}
       WHERE id = ${saleId}::uuid AND status = 'pending'
      RETURNING ${saleColumns("sales")}`);
    const row = rows[0];
    return row ? toSale(row) : null;
  }

  /**
   * Records what the merchant order that paid a settled sale shows of money given back
   * (refunded cents only grow); null when the sale is not paid or refunded by that order.
   */
  async function observeRefunds(
    saleId: string,
    o: UpstreamObservation,
    at: Date,
  ): Promise<Sale | null> {
    const rows = await saleRows(Prisma.sql`
      UPDATE sales SET
        refunded_cents = GREATEST(refunded_cents, ${BigInt(o.refundedCents)}),
        paid_cents = GREATEST(paid_cents, ${BigInt(o.paidCents)}),
        payments = ${JSON.stringify(o.payments)}::jsonb,
        ${statusSet(o)},
        updated_at = ${at}
       WHERE id = ${saleId}::uuid AND status IN ('paid', 'refunded')
         AND ${paidByResource(o)}
      RETURNING ${saleColumns("sales")}`);
    const row = rows[0];
    return row ? toSale(row) : null;
  }

  /** Keeps what the Orders API's create answered: the order's and its payment's ids, QR text. */
  async function recordOrder(saleId: string, p: Publication): Promise<Sale | null> {
    const rows = await saleRows(Prisma.sql`
      UPDATE sales SET order_id = ${p.orderId}, order_payment_id = ${p.paymentId},
                       qr_data = ${p.qrData}
       WHERE id = ${saleId}::uuid
      RETURNING ${saleColumns("sales")}`);
    const row = rows[0];
    return row ? toSale(row) : null;
  }

  /**
   * Raises a paid or refunded sale's refunded cents to at least `cents` (refunds this service
   * saw confirmed, before the merchant order shows them); null when nothing changed.
   */
  async function raiseRefunded(saleId: string, cents: number, at: Date): Promise<Sale | null> {
    const rows = await saleRows(Prisma.sql`
      UPDATE sales SET refunded_cents = ${BigInt(cents)}, updated_at = ${at}
       WHERE id = ${saleId}::uuid AND status IN ('paid', 'refunded')
         AND refunded_cents < ${BigInt(cents)}
      RETURNING ${saleColumns("sales")}`);
    const row = rows[0];
    return row ? toSale(row) : null;
  }

  /** Moves the order's state if it is still in one of `from`; null when it was not. */
  async function changeOrderState(saleId: string, c: OrderStateChange): Promise<Sale | null> {
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
    const q = Prisma.sql`
      UPDATE sales SET ${Prisma.join(set, ", ")}
       WHERE ${Prisma.join(where, " AND ")}
      RETURNING ${saleColumns("sales")}`;
    const [row] = await saleRows(q);
    return row ? toSale(row) : null;
  }

  /**
   * Marks the sale's order on its POS if it is still being published; null when it was not.
   * Every POST /sales ends with it: under load the marks of the creates in flight share one
   * statement (groupCommit), where each would cost its own round trip.
   */
  const saleBatch = saleBatchOf(db);
  const markOnPos = groupCommit(
    (batch: readonly OnPos[]) =>
      saleBatch(
        MARK_ON_POS,
        [
          batch.map((m) => m.saleId),
          batch.map((m) => m.lease ?? null),
          batch.map((m) => m.nextCheckAt),
        ],
        batch.length,
      ),
    ON_POS_BATCH,
    ON_POS_IN_FLIGHT,
  );

  /**
   * Gives the sales stored before currencies were recorded the site's currency (at boot, once
   * the site is known); a no-op once none is left. Returns how many it filled.
   */
  async function fillCurrency(currency: string): Promise<number> {
    const { count } = await db.sale.updateMany({ where: { currency: null }, data: { currency } });
    return count;
  }

  return {
    create,
    fillCurrency,
    transition,
    observe,
    observeRefunds,
    recordOrder,
    raiseRefunded,
    changeOrderState,
    markOnPos,
  };
}
