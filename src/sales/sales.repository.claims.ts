import type { Db } from "../db/database.ts";
import type { Sale as SaleRow } from "../generated/prisma/client.ts";
import type { Sale } from "./sale.ts";
import { saleColumns, toSale } from "./sale-rows.ts";

/** The sweeper's next look at a sale, written only while the sale is still as it was seen. */
export interface ScheduledCheck {
  saleId: string;
  /** null: nothing owed */
  at: Date | null;
  seen: Pick<Sale, "status" | "orderState">;
}

/** The sweeper's side of the sales repository: the sales whose look is due, and when next. */
export function createSalesClaims(db: Db) {
  /**
   * Claims sales whose look is due: pending sales to reconcile (an expiring sale is always due
   * by its expires_at, see the scheduler in the sweeper), publications and withdrawals left
   * over, and settled sales still watched for a late payment. SKIP LOCKED lets replicas share
   * the work; pushing next_check_at ahead is the lease, so a process that dies mid-check leaves
   * the sale to be claimed again once the lease runs out. Sales that owe nothing have no
   * next_check_at and are not in the partial index the claim walks. The claimed rows come back
   * from the claim itself (one statement, no read after it).
   */
  async function claimDue(limit: number, leaseMs: number): Promise<Sale[]> {
    const rows = await db.$queryRaw<SaleRow[]>`
      UPDATE sales SET
        next_check_at = now() + make_interval(secs => ${leaseMs / 1000}::float8),
        check_attempts = check_attempts + 1
      WHERE id IN (
        SELECT id FROM sales
         WHERE next_check_at <= now()
         ORDER BY next_check_at
         LIMIT ${limit}
         FOR UPDATE SKIP LOCKED)
      RETURNING ${saleColumns("sales")}`;
    return rows.map(toSale);
  }

  /**
   * When the sweeper should next look at each of a tick's sales, in one statement: each as long
   * as the sale is still as seen (whoever changed it since set its next look). Rows are taken in
   * id order, so two such statements never wait on each other in a cycle.
   */
  async function scheduleChecks(checks: readonly ScheduledCheck[]): Promise<void> {
    if (checks.length === 0) return;
    const sorted = [...checks].sort((a, b) => (a.saleId < b.saleId ? -1 : 1));
    await db.$executeRaw`
      UPDATE sales SET next_check_at = w.at
        FROM unnest(${sorted.map((c) => c.saleId)}::uuid[],
                    ${sorted.map((c) => c.at)}::timestamptz[],
                    ${sorted.map((c) => c.seen.status)}::text[],
                    ${sorted.map((c) => c.seen.orderState)}::text[])
             AS w(id, at, status, order_state)
       WHERE sales.id = w.id AND sales.status = w.status AND sales.order_state = w.order_state`;
  }

  /**
   * Makes pending sales created before `createdBefore` due for a look-up now (a notification
   * without the webhook secret may be about one of them); a publication keeps its own lease. Returns how many.
   */
  async function checkPendingCreatedBefore(createdBefore: Date): Promise<number> {
    return db.$executeRaw`
      UPDATE sales SET next_check_at = now()
       WHERE status = 'pending' AND order_state = 'on_pos' AND created_at < ${createdBefore} AND next_check_at > now()`;
  }

  /**
   * After a DELETE that may have hit the order of a sale created on the POS meanwhile: that
   * sale is published again (the sweeper looks at the POS and PUTs if its order is gone).
   */
  async function republishPending(posId: string, at: Date): Promise<number> {
    return db.sale
      .updateMany({
        where: { posId, status: "pending", orderState: { in: ["publishing", "on_pos"] } },
        data: { orderState: "publishing", nextCheckAt: at },
      })
      .then((r) => r.count);
  }

  return { claimDue, scheduleChecks, checkPendingCreatedBefore, republishPending };
}
