// POST /webhooks/mercadopago as Mercado Pago delivers it, three runs, with the service's memory
// after each.
import type autocannon from "autocannon";
import type { HttpFigure } from "../baseline.ts";
import { createSales, json, pad, pay, pool, quiet } from "../driver.ts";
import { measure } from "../load.ts";
import { cpuMsOf, memoryOf } from "../proc.ts";
import type { Service } from "../service.ts";
import { log } from "../session.ts";
import {
  CONNECTIONS,
  DRIVER_CONCURRENCY,
  DURATION_S,
  WARMUP_S,
  WEBHOOK_ORDERS,
  WEBHOOK_SECRET,
} from "../settings.ts";

/** Merchant orders to notify about: the settlement's, or 1 000 paid sales made for the purpose. */
export async function webhookOrders(s: Service, fromSettlement: number[]): Promise<number[]> {
  if (fromSettlement.length >= WEBHOOK_ORDERS) return fromSettlement.slice(0, WEBHOOK_ORDERS);
  const posIds = Array.from({ length: WEBHOOK_ORDERS }, (_, i) => `BW${pad(i, 5)}`);
  await createSales(
    s,
    posIds,
    posIds.map((p) => `bench-${p}`),
  );
  const ids = await pool(posIds, DRIVER_CONCURRENCY, (pos) => pay(s, pos));
  await quiet(s);
  return ids.filter((id): id is number => id !== null);
}

export interface WebhookRuns {
  runs: HttpFigure[];
  rssAfterMb: number[];
}

export async function phaseWebhooks(s: Service, moIds: number[]): Promise<WebhookRuns> {
  log(`service: POST /webhooks/mercadopago over ${moIds.length} merchant orders, 3 runs`);
  let i = 0;
  const requests: autocannon.Request[] = [
    {
      method: "POST",
      headers: json,
      setupRequest: (req) => {
        const id = moIds[i++ % moIds.length] as number;
        return {
          ...req,
          path: `/webhooks/mercadopago?source_news=ipn&secret=${WEBHOOK_SECRET}&topic=merchant_order&id=${id}`,
          body: `{"resource":"https://api.mercadolibre.com/merchant_orders/${id}","topic":"merchant_order"}`,
        };
      },
    },
  ];
  const runs: HttpFigure[] = [];
  const rssAfterMb: number[] = [];
  for (let run = 1; run <= 3; run++) {
    const figures = await measure({
      url: s.url,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: run === 1 ? WARMUP_S : 0,
      requests,
      cpuPid: s.child.pid,
    });
    // the CPU per request counts the inbox work the run left behind too
    const cpuAtEnd = cpuMsOf(s.child.pid);
    await quiet(s);
    const cpuMs = (figures.cpuMs ?? 0) + cpuMsOf(s.child.pid) - cpuAtEnd;
    figures.cpuMs = cpuMs;
    figures.cpuMsPerRequest = figures.requests > 0 ? cpuMs / figures.requests : NaN;
    runs.push({ name: `webhook ack (run ${run})`, against: "post", ...figures });
    rssAfterMb.push(memoryOf(s.child.pid).rssMb);
  }
  return { runs, rssAfterMb };
}
