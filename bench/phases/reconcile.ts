// How fast the reconciler settles sales paid with their notifications dropped.
import { perItem, type PerItem } from "../counts.ts";
import { count, createSales, pad, pay, pool, setNotifications, until, who } from "../driver.ts";
import { cpuMsOf } from "../proc.ts";
import type { Service } from "../service.ts";
import { log } from "../session.ts";
import { DRIVER_CONCURRENCY, RECONCILE_SALES } from "../settings.ts";

export interface ReconcileFigure {
  sales: number;
  seconds: number | null;
  salesPerSec: number | null;
  settled: number;
  /** service CPU from the sales being made due until the last one was paid */
  cpuMs: number;
  cpuMsPerSale: number;
  /** per reconciled sale, from the sales being made due until the last is paid, counted */
  perReconciled: PerItem;
}

export async function phaseReconcile(s: Service): Promise<ReconcileFigure> {
  const n = RECONCILE_SALES;
  const posIds = Array.from({ length: n }, (_, i) => `${s.tag}R${pad(i, 5)}`);
  log(`${who(s)} reconciliation: creating ${n} sales, paying them with notifications dropped`);
  await createSales(
    s,
    posIds,
    posIds.map((p) => `bench-${p}`),
  );
  await setNotifications(s, "PUT", { drop: true });
  try {
    await pool(posIds, DRIVER_CONCURRENCY, (pos) => pay(s, pos));
    // Due now instead of RECONCILE_AFTER_MS from their creation: the clock starts here.
    const before = await s.counts();
    const cpuBefore = cpuMsOf(s.child.pid);
    await s.db.query(
      `UPDATE sales SET next_check_at = now() WHERE pos_id LIKE '${s.tag}R%' AND status = 'pending'`,
    );
    log(`${who(s)} reconciliation: sales are due; waiting for the reconciler`);
    const query = `SELECT count(*) AS n FROM sales WHERE pos_id LIKE '${s.tag}R%' AND status = 'paid'`;
    const seconds = await until(async () => (await count(s, query)) === n);
    const cpuMs = cpuMsOf(s.child.pid) - cpuBefore;
    const settled = await count(s, query);
    const after = await s.counts();
    return {
      sales: n,
      seconds,
      salesPerSec: seconds === null ? null : n / seconds,
      settled,
      cpuMs,
      cpuMsPerSale: settled > 0 ? cpuMs / settled : NaN,
      perReconciled: perItem(before, after, settled),
    };
  } finally {
    await setNotifications(s, "DELETE");
  }
}
