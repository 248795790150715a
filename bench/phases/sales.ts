// POST /sales under load, each sale paid right after so its POS is free for the next.
import type { HttpFigure } from "../baseline.ts";
import { auth, count, json, pad, who, pay, pool, quiet, saleBody, until } from "../driver.ts";
import { measure } from "../load.ts";
import { cpuMsOf, sleep } from "../proc.ts";
import type { Service } from "../service.ts";
import { log } from "../session.ts";
import { CONNECTIONS, DURATION_S, PHASE_TIMEOUT_MS, SALES_POS, WARMUP_S } from "../settings.ts";

export interface SalesPhase {
  figure: HttpFigure;
  /** seconds after the load stopped until every sale of the phase was paid */
  drainS: number | null;
  paid: number;
  /** service CPU from the measured run's start until its last sale was paid and worked */
  cpuMs: number;
  /** that CPU per sale of the measured run (created, published, paid, notified, settled) */
  cpuMsPerSale: number;
  /** the measured run's answers that were not 2xx, by status (409: pos_busy) */
  non2xx: Record<string, number>;
}

export async function phaseSales(s: Service): Promise<SalesPhase> {
  const posIds = Array.from({ length: SALES_POS }, (_, i) => `${s.tag}P${pad(i, 5)}`);
  const toPay: string[] = [];
  let loadRunning = true;
  let payFailures = 0;
  let measuring = false;
  const non2xx: Record<string, number> = {};
  // The payer: every POS that got a sale is paid at once through the simulator's helper, and
  // the resulting notifications free the POS for its next sale.
  const payers = Array.from({ length: 8 }, async () => {
    while (loadRunning || toPay.length > 0) {
      const pos = toPay.shift();
      if (pos === undefined) {
        await sleep(2);
        continue;
      }
      if ((await pay(s, pos)) === null) payFailures++;
    }
  });
  /**
   * autocannon drops the requests in flight when a run ends: the service still creates those
   * sales (on a busy machine some seconds later), but the bench never sees their 201. Pay them
   * from the database's view, round after round until none is pending: a sale created after a
   * round's query, or whose order was not yet on the POS when it was paid, is paid by the next.
   */
  async function payStragglers() {
    while (toPay.length > 0) await sleep(10);
    const started = performance.now();
    for (;;) {
      await sleep(500);
      const pending = await s.db.query<{ pos_id: string }>(
        `SELECT pos_id FROM sales WHERE pos_id LIKE '${s.tag}P%' AND status = 'pending'`,
      );
      if (pending.rows.length === 0) return;
      if (performance.now() - started > PHASE_TIMEOUT_MS) {
        log(`POST /sales: ${pending.rows.length} sales still pending after paying stragglers`);
        return;
      }
      await pool(
        pending.rows.map((r) => r.pos_id),
        8,
        (pos) => pay(s, pos),
      );
    }
  }
  let i = 0;
  const load = (durationS: number, cpuPid?: number) =>
    measure({
      url: s.url,
      connections: CONNECTIONS,
      durationS,
      warmupS: 0,
      cpuPid,
      headers: { ...auth, ...json },
      requests: [
        {
          method: "POST",
          path: "/sales",
          setupRequest: (req, context) => {
            const pos = posIds[i++ % posIds.length] as string;
            (context as { pos?: string }).pos = pos;
            return { ...req, body: saleBody(pos) };
          },
          onResponse: (status, _body, context) => {
            const pos = (context as { pos?: string }).pos;
            if (status === 201 && pos) toPay.push(pos);
            if (measuring && (status < 200 || status > 299))
              non2xx[status] = (non2xx[status] ?? 0) + 1;
          },
        },
      ],
    });
  log(`${who(s)}: POST /sales over ${SALES_POS} POS, each paid right after`);
  if (WARMUP_S > 0) {
    await load(WARMUP_S);
    await payStragglers();
    await quiet(s);
  }
  const paidQuery = `SELECT count(*) AS n FROM sales WHERE pos_id LIKE '${s.tag}P%' AND status = 'paid'`;
  const paidBefore = await count(s, paidQuery);
  const cpuBefore = cpuMsOf(s.child.pid);
  measuring = true;
  const figures = await load(DURATION_S, s.child.pid);
  measuring = false;
  await payStragglers();
  loadRunning = false;
  await Promise.all(payers);
  const drainS = await until(
    async () =>
      (await count(
        s,
        `SELECT count(*) AS n FROM sales WHERE pos_id LIKE '${s.tag}P%' AND status = 'pending'`,
      )) === 0,
  );
  await quiet(s);
  // every sale of the measured run, created, published, notified and settled
  const cpuMs = cpuMsOf(s.child.pid) - cpuBefore;
  const paid = await count(s, paidQuery);
  const settledInRun = paid - paidBefore;
  if (payFailures > 0) log(`POST /sales: ${payFailures} pay calls failed`);
  return {
    figure: { name: "POST /sales", against: "post", ...figures },
    drainS,
    paid,
    cpuMs,
    cpuMsPerSale: settledInRun > 0 ? cpuMs / settledInRun : NaN,
    non2xx,
  };
}
