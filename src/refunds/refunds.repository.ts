import type { Db } from "../db/database.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Refund as RefundRow } from "../generated/prisma/client.ts";
import type { Refund, RefundFailure, RefundPart, RefundStatus } from "./refund.ts";

function toRefund(row: RefundRow): Refund {
  return {
    id: row.id,
    saleId: row.saleId,
    idempotencyKey: row.idempotencyKey,
    requestedCents: row.requestedCents === null ? null : Number(row.requestedCents),
    amountCents: Number(row.amountCents),
    refundedCents: Number(row.refundedCents),
    status: row.status as RefundStatus,
    parts: row.parts as unknown as RefundPart[],
    failure: (row.failure as unknown as RefundFailure | null) ?? null,
    nextCheckAt: row.nextCheckAt,
    checkAttempts: row.checkAttempts,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export type ReserveResult =
  | { kind: "reserved"; refund: Refund }
  /** the client's Idempotency-Key already names a refund of this sale */
  | { kind: "existing"; refund: Refund }
  | { kind: "not_refundable"; status: string; remainderCents: number }
  | { kind: "no_sale" };

export interface ReserveInput {
  saleId: string;
  idempotencyKey: string | null;
  /** null: the whole remainder */
  requestedCents: number | null;
  /** until when the request owns the refund; past it the resolver takes over */
  lease: Date;
  at: Date;
}

export interface RefundUpdate {
  parts?: RefundPart[];
  status?: RefundStatus;
  refundedCents?: number;
  failure?: RefundFailure;
  /** undefined: left as it is */
  nextCheckAt?: Date | null;
  at: Date;
}

/** Refunds that hold their amount: not ended yet. */
const OPEN_STATUSES = ["requested", "processing"] as const satisfies readonly RefundStatus[];

export function createRefundsRepository(db: Db) {
  return {
    /**
     * Reserves a refund's amount: under the sale's row lock, what remains is what was paid less
     * what Mercado Pago shows refunded and less the refunds still in flight, and the refund is
     * stored only if it fits. The lock is taken by the first statement and the sums are read by
     * the next, so a refund committed while this one waited for the lock is counted (one
     * statement would read them from a snapshot taken before the wait).
     */
    async reserve(input: ReserveInput): Promise<ReserveResult> {
      return db.$transaction(async (tx) => {
        const sales = await tx.$queryRaw<
          { status: string; paid_cents: bigint; refunded_cents: bigint }[]
        >`SELECT status, paid_cents, refunded_cents FROM sales
           WHERE id = ${input.saleId}::uuid FOR UPDATE`;
        const sale = sales[0];
        if (!sale) return { kind: "no_sale" } as const;
        if (input.idempotencyKey !== null) {
          const existing = await tx.refund.findUnique({
            where: {
              saleId_idempotencyKey: { saleId: input.saleId, idempotencyKey: input.idempotencyKey },
            },
          });
          if (existing) return { kind: "existing", refund: toRefund(existing) } as const;
        }
        // in flight: what requested and processing refunds hold and Mercado Pago has not made
        // (a processing refund's made parts are in the sale's refunded cents already)
        const inFlight = await tx.$queryRaw<{ cents: bigint | null }[]>`
          SELECT sum(amount_cents - refunded_cents)::bigint AS cents FROM refunds
           WHERE sale_id = ${input.saleId}::uuid AND status IN ('requested', 'processing')`;
        const remainder =
          Number(sale.paid_cents) - Number(sale.refunded_cents) - Number(inFlight[0]?.cents ?? 0n);
        const amount = input.requestedCents ?? remainder;
        if (sale.status !== "paid" || amount <= 0 || amount > remainder) {
          return {
            kind: "not_refundable",
            status: sale.status,
            remainderCents: Math.max(0, remainder),
          } as const;
        }
        const row = await tx.refund.create({
          data: {
            saleId: input.saleId,
            idempotencyKey: input.idempotencyKey,
            requestedCents: input.requestedCents === null ? null : BigInt(input.requestedCents),
            amountCents: BigInt(amount),
            status: "requested",
            nextCheckAt: input.lease,
            createdAt: input.at,
            updatedAt: input.at,
          },
        });
        return { kind: "reserved", refund: toRefund(row) } as const;
      });
    },

    async findByKey(saleId: string, idempotencyKey: string): Promise<Refund | null> {
      const row = await db.refund.findUnique({
        where: { saleId_idempotencyKey: { saleId, idempotencyKey } },
      });
      return row ? toRefund(row) : null;
    },

    async findById(id: string): Promise<Refund | null> {
      const row = await db.refund.findUnique({ where: { id } });
      return row ? toRefund(row) : null;
    },

    async listForSale(saleId: string): Promise<Refund[]> {
      const rows = await db.refund.findMany({ where: { saleId }, orderBy: { createdAt: "asc" } });
      return rows.map(toRefund);
    },

    /** Records a refund's progress; only while it is open, `requested` or `processing` (null otherwise). */
    async update(id: string, u: RefundUpdate): Promise<Refund | null> {
      const data: Prisma.RefundUpdateManyMutationInput = { updatedAt: u.at };
      if (u.parts) data.parts = u.parts as unknown as Prisma.InputJsonValue;
      if (u.status) data.status = u.status;
      if (u.refundedCents !== undefined) data.refundedCents = BigInt(u.refundedCents);
      if (u.failure) data.failure = u.failure as unknown as Prisma.InputJsonValue;
      if (u.nextCheckAt !== undefined) data.nextCheckAt = u.nextCheckAt;
      const { count } = await db.refund.updateMany({
        where: { id, status: { in: [...OPEN_STATUSES] } },
        data,
      });
      return count === 0 ? null : this.findById(id);
    },

    /**
     * Forgets a reservation nothing was sent for (Mercado Pago could not be read to plan it, or
     * showed less to refund): a retry with the same Idempotency-Key then starts afresh.
     */
    async release(id: string): Promise<void> {
      await db.refund.deleteMany({ where: { id, status: "requested" } });
    },

    /**
     * Brings forward the next read of the sales' refunds Mercado Pago is processing: a
     * notification about a sale may be the one that says they ended.
     */
    async wakeProcessing(saleIds: string[], at: Date): Promise<void> {
      if (saleIds.length === 0) return;
      await db.refund.updateMany({
        where: { saleId: { in: saleIds }, status: "processing" },
        data: { nextCheckAt: at },
      });
    },

    /**
     * Claims refunds whose outcome is still unknown and whose request is over, and refunds Mercado
     * Pago is still processing (SKIP LOCKED, so replicas share them; pushing next_check_at ahead
     * is the lease).
     */
    async claimDue(limit: number, leaseMs: number): Promise<Refund[]> {
      const ids = await db.$queryRaw<{ id: string }[]>`
        UPDATE refunds SET
          next_check_at = now() + make_interval(secs => ${leaseMs / 1000}::float8),
          check_attempts = check_attempts + 1
        WHERE id IN (
          SELECT id FROM refunds
           WHERE status IN ('requested', 'processing') AND next_check_at <= now()
           ORDER BY next_check_at
           LIMIT ${limit}
           FOR UPDATE SKIP LOCKED)
        RETURNING id`;
      if (ids.length === 0) return [];
      const rows = await db.refund.findMany({ where: { id: { in: ids.map((r) => r.id) } } });
      return rows.map(toRefund);
    },
  };
}

export type RefundsRepository = ReturnType<typeof createRefundsRepository>;
