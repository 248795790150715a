// How fast notified payments settle: sales made through POST /sales, then all paid at once.
import { perItem, type PerItem } from "../counts.ts";
import { count, createSales, pad, pay, pool, quiet, until, who } from "../driver.ts";
import { cpuMsOf } from "../proc.ts";
import type { Service } from "../service.ts";
import { log } from "../session.ts";
import { DRIVER_CONCURRENCY, PHASE_TIMEOUT_MS, SETTLE_SALES } from "../settings.ts";

export interface SettlementFigure {
  sales: number;
  /** from the first pay call until the last sale is paid in the database */
  seconds: number | null;
  salesPerSec: number | null;
  /** how fast the sales were created beforehand (POST /sales, DRIVER_CONCURRENCY in flight) */
  createdPerSec: number;
  /**
   * how fast the simulator took the payments (its pay helper, DRIVER_CONCURRENCY in flight, each
   * payment's notifications sent): the pace at which Mercado Pago's side hands us work here
   */
  paidPerSec: number;
  settled: number;
  /** service CPU from the first pay until the last sale was paid */
  cpuMs: number;
  cpuMsPerSale: number;
  /** per POST /sales of the creation (until no notification is left), counted */
  perCreate: PerItem;
  /** CPU per POST /sales of the creation, 32 in flight, nothing paid meanwhile */
  createCpuMsPerSale: number;
  /** per settled sale, from the first pay until the last is paid and its inbox work done */
  perSettled: PerItem;
}

export async function phaseSettlement(
  s: Service,
): Promise<{ fig: SettlementFigure; moIds: number[] }> {
  const n = SETTLE_SALES;
  const posIds = Array.from({ length: n }, (_, i) => `${s.tag}S${pad(i, 5)}`);
  const refs = posIds.map((p) => `bench-${p}`);
  log(`${who(s)} settlement: creating ${n} sales through POST /sales`);
  const beforeCreate = await s.counts();
  const cpuBeforeCreate = cpuMsOf(s.child.pid);
  const createdPerSec = await createSales(s, posIds, refs);
  await quiet(s, { allowPending: true });
  const createCpuMs = cpuMsOf(s.child.pid) - cpuBeforeCreate;
  const afterCreate = await s.counts();
  log(`${who(s)} settlement: paying ${n} sales with notifications on`);
  const started = performance.now();
  const cpuBefore = cpuMsOf(s.child.pid);
  const paying = pool(posIds, DRIVER_CONCURRENCY, (pos) => pay(s, pos));
  const done = async () =>
    (await count(
      s,
      `SELECT count(*) AS n FROM sales WHERE pos_id LIKE '${s.tag}S%' AND status = 'paid'`,
    )) === n;
  const moIds = (await paying).filter((id): id is number => id !== null);
  const paidPerSec = n / ((performance.now() - started) / 1000);
  const left = PHASE_TIMEOUT_MS - (performance.now() - started);
  const finished = (await until(done, Math.max(0, left))) !== null;
  const seconds = finished ? (performance.now() - started) / 1000 : null;
  const cpuMs = cpuMsOf(s.child.pid) - cpuBefore;
  const settled = await count(
    s,
    `SELECT count(*) AS n FROM sales WHERE pos_id LIKE '${s.tag}S%' AND status = 'paid'`,
  );
  await quiet(s);
  const afterSettle = await s.counts();
  return {
    fig: {
      sales: n,
      seconds,
      salesPerSec: seconds === null ? null : n / seconds,
      createdPerSec,
      paidPerSec,
      settled,
      cpuMs,
      cpuMsPerSale: settled > 0 ? cpuMs / settled : NaN,
      perCreate: perItem(beforeCreate, afterCreate, n),
      createCpuMsPerSale: createCpuMs / n,
      perSettled: perItem(afterCreate, afterSettle, settled),
    },
    moIds,
  };
}
