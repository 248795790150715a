import type { Db } from "../db/database.ts";
import { centsFromApi } from "../money.ts";
import type { Discrepancy, LedgerPayment } from "./match.ts";
import { createReconciliationReads } from "./reconciliation.reads.ts";

export type { DayView } from "./reconciliation.reads.ts";

/**
 * The reconciliation's tables (their reads: reconciliation.reads.ts): a day's run (its lease and
 * the page it reached), the ledger it read, and the discrepancies, each recorded once. Days are
 * `YYYY-MM-DD` in the store's zone.
 * Every write of a run is fenced by its owner and generation: a process whose lease was taken
 * over writes nothing more.
 */

/** A run as its owner holds it. */
export interface RunLease {
  storeId: string;
  day: string;
  owner: string;
  generation: number;
  /** where the next page starts (0: the first) */
  nextOffset: number;
  /** taken over from a run cut short (same generation, its pages kept) */
  resumed: boolean;
}

/** A discrepancy recorded for the first time, with the sale it names (if any). */
export interface NewDiscrepancy extends Discrepancy {
  saleId: string | null;
  saleStatus: string | null;
}

export function createReconciliationRepository(db: Db) {
  /**
   * Takes the day's run, or nothing when another process holds a live lease on it. A finished
   * day (or a first one) starts a new generation from the first page, its old ledger dropped;
   * a running day whose lease ran out (its process died) is taken over where it stopped. The
   * single-row upsert is the lock: two processes asking at once, one gets the row.
   */
  async function claim(
    storeId: string,
    day: string,
    owner: string,
    leaseMs: number,
  ): Promise<RunLease | null> {
    const secs = leaseMs / 1000;
    return db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<
        { generation: number; next_offset: number; resumed: boolean }[]
      >`
        INSERT INTO reconciliation_runs (store_id, day, state, owner, lease_until, heartbeat_at)
        VALUES (${storeId}, ${day}::date, 'running', ${owner},
                now() + make_interval(secs => ${secs}::float8), now())
        ON CONFLICT (store_id, day) DO UPDATE SET
          generation = CASE WHEN reconciliation_runs.state = 'running'
                            THEN reconciliation_runs.generation
                            ELSE reconciliation_runs.generation + 1 END,
          next_offset = CASE WHEN reconciliation_runs.state = 'running'
                             THEN reconciliation_runs.next_offset ELSE 0 END,
          pages = CASE WHEN reconciliation_runs.state = 'running'
                       THEN reconciliation_runs.pages ELSE 0 END,
          started_at = CASE WHEN reconciliation_runs.state = 'running'
                            THEN reconciliation_runs.started_at ELSE now() END,
          state = 'running', owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until,
          heartbeat_at = now(), error = NULL
        WHERE reconciliation_runs.state <> 'running' OR reconciliation_runs.lease_until < now()
        RETURNING generation, next_offset,
                  (xmax <> 0 AND next_offset > 0) AS resumed`;
      const row = rows[0];
      if (!row) return null;
      if (row.next_offset === 0) {
        await tx.$executeRaw`
          DELETE FROM reconciliation_ledger WHERE store_id = ${storeId} AND day = ${day}::date`;
      }
      return {
        storeId,
        day,
        owner,
        generation: row.generation,
        nextOffset: row.next_offset,
        resumed: row.resumed,
      };
    });
  }

  /**
   * One page read: its payments kept (once each, by id) and the offset moved past it, in one
   * transaction with the lease renewed. False: the lease is no longer ours (nothing written).
   */
  async function savePage(
    lease: RunLease,
    payments: LedgerPayment[],
    nextOffset: number,
    leaseMs: number,
  ): Promise<boolean> {
    const { storeId, day, owner, generation } = lease;
    return db.$transaction(async (tx) => {
      const moved = await tx.$executeRaw`
        UPDATE reconciliation_runs
           SET next_offset = ${nextOffset}, pages = pages + 1, heartbeat_at = now(),
               lease_until = now() + make_interval(secs => ${leaseMs / 1000}::float8)
         WHERE store_id = ${storeId} AND day = ${day}::date AND state = 'running'
           AND owner = ${owner} AND generation = ${generation}`;
      if (moved === 0) return false;
      for (const p of payments) {
        await tx.$executeRaw`
          INSERT INTO reconciliation_ledger
            (store_id, day, payment_id, external_reference, status, amount_cents, refunded_cents)
          VALUES (${storeId}, ${day}::date, ${p.id}, ${p.externalReference}, ${p.status},
                  ${p.amountCents}, ${p.refundedCents})
          ON CONFLICT (store_id, day, payment_id) DO UPDATE SET
            external_reference = EXCLUDED.external_reference, status = EXCLUDED.status,
            amount_cents = EXCLUDED.amount_cents, refunded_cents = EXCLUDED.refunded_cents`;
      }
      return true;
    });
  }

  /**
   * Ends the run: the discrepancies found are recorded (once: one seen before is the same row,
   * open again if it had been resolved), each new one told in its sale's history; the ones no
   * longer found are resolved; the day is done. All or nothing, fenced by the lease. Returns
   * the new ones, or null when the lease is no longer ours.
   */
  async function finish(
    lease: RunLease,
    found: (Discrepancy & { saleId: string | null })[],
  ): Promise<NewDiscrepancy[] | null> {
    const { storeId, day, owner, generation } = lease;
    return db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ store_id: string }[]>`
        SELECT store_id FROM reconciliation_runs
         WHERE store_id = ${storeId} AND day = ${day}::date AND state = 'running'
           AND owner = ${owner} AND generation = ${generation}
         FOR UPDATE`;
      if (locked.length === 0) return null;
      const fresh: NewDiscrepancy[] = [];
      const keep: number[] = [];
      for (const d of found) {
        const amountCents = d.amount === undefined ? null : centsFromApi(d.amount);
        const rows = await tx.$queryRaw<{ id: bigint; inserted: boolean }[]>`
          INSERT INTO reconciliation_discrepancies
            (store_id, day, kind, payment_id, external_reference, amount_cents, detail, sale_id)
          VALUES (${storeId}, ${day}::date, ${d.kind}, ${d.payment_id ?? ""},
                  ${d.external_reference ?? ""}, ${amountCents}, ${d.detail}, ${d.saleId}::uuid)
          ON CONFLICT (store_id, day, kind, payment_id, external_reference) DO UPDATE SET
            resolved_at = NULL, detail = EXCLUDED.detail, amount_cents = EXCLUDED.amount_cents
          RETURNING id, (xmax = 0) AS inserted`;
        const row = rows[0]!;
        keep.push(Number(row.id));
        if (!row.inserted) continue;
        let saleStatus: string | null = null;
        if (d.saleId) {
          const sale = await tx.$queryRaw<{ status: string }[]>`
            SELECT status FROM sales WHERE id = ${d.saleId}::uuid`;
          saleStatus = sale[0]?.status ?? null;
          if (saleStatus) {
            // the sale's history tells it; its status does not move (detail.kind is no
            // outbound event kind, so no webhook is owed for it)
            await tx.$executeRaw`
              INSERT INTO sale_events (sale_id, from_status, to_status, source, detail)
              VALUES (${d.saleId}::uuid, ${saleStatus}, ${saleStatus}, 'reconciliation',
                      ${JSON.stringify({
                        kind: "reconciliation_discrepancy",
                        discrepancy: d.kind,
                        day,
                        ...(d.payment_id ? { payment_id: d.payment_id } : {}),
                        ...(d.amount !== undefined ? { amount: d.amount } : {}),
                        detail: d.detail,
                      })}::jsonb)`;
          }
        }
        fresh.push({ ...d, saleId: d.saleId, saleStatus });
      }
      await tx.$executeRaw`
        UPDATE reconciliation_discrepancies SET resolved_at = now()
         WHERE store_id = ${storeId} AND day = ${day}::date AND resolved_at IS NULL
           AND NOT (id = ANY(${keep}::bigint[]))`;
      await tx.$executeRaw`
        UPDATE reconciliation_runs
           SET state = 'done', checked_at = now(), owner = NULL, lease_until = NULL
         WHERE store_id = ${storeId} AND day = ${day}::date`;
      return fresh;
    });
  }

  /** A run cut short by an error: its lease let go at once, so the next try resumes it. */
  async function release(lease: RunLease, error: string): Promise<void> {
    await db.$executeRaw`
      UPDATE reconciliation_runs SET lease_until = now(), error = ${error.slice(0, 500)}
       WHERE store_id = ${lease.storeId} AND day = ${lease.day}::date
         AND owner = ${lease.owner} AND generation = ${lease.generation}`;
  }

  /** A sale Mercado Pago shows paid is looked at again by the sweeper now. */
  async function recheckSale(saleId: string): Promise<void> {
    await db.$executeRaw`UPDATE sales SET next_check_at = now() WHERE id = ${saleId}::uuid`;
  }

  return {
    ...createReconciliationReads(db),
    claim,
    savePage,
    finish,
    release,
    recheckSale,
  };
}

export type ReconciliationRepository = ReturnType<typeof createReconciliationRepository>;
