// The bench's own calls to the service and the simulator (creating sales, paying them) and its
// looks into the database, shared by the phases.
import { sleep } from "./proc.ts";
import type { Service } from "./service.ts";
import { log } from "./session.ts";
import { API_KEY, DRIVER_CONCURRENCY, PHASE_TIMEOUT_MS, QUIET_TIMEOUT_MS } from "./settings.ts";

/** Runs `fn` over `items` with at most `concurrency` calls in flight. */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  async function lane() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

/** Which server a phase drives, for the log. */
export const who = (s: Service) => (s.tag === "F" ? "floor" : "service");

export const pad = (n: number, width: number) => String(n).padStart(width, "0");

export const auth = { authorization: `Bearer ${API_KEY}` };
export const json = { "content-type": "application/json" };

export function saleBody(posId: string, externalReference?: string): string {
  return JSON.stringify({
    store_id: "BENCH",
    pos_id: posId,
    ...(externalReference ? { external_reference: externalReference } : {}),
    items: [{ title: "Coffee", unit_price: 2.5, quantity: 2 }],
  });
}

async function post(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: "POST", body, headers });
  const text = await res.text();
  return { status: res.status, text };
}

/** POST /sales calls of the setup that were tried again (reported at the end). */
export let createRetries = 0;

/** Creates sales through POST /sales (the real path: database, then the order PUT). */
export async function createSales(s: Service, posIds: string[], refs: string[]): Promise<number> {
  const started = performance.now();
  const indexes = posIds.map((_, i) => i);
  const statuses = await pool(indexes, DRIVER_CONCURRENCY, async (i) => {
    const pos = posIds[i] as string;
    // as a POS would: a failure is retried with the same external_reference (a replay is 200)
    for (let attempt = 1; ; attempt++) {
      const r = await post(`${s.url}/sales`, saleBody(pos, refs[i]), { ...auth, ...json }).catch(
        (err: unknown) => ({ status: 0, text: String(err) }),
      );
      if (r.status === 201 || r.status === 200) return r.status;
      if (attempt >= 5 || (r.status >= 400 && r.status < 500)) {
        throw new Error(`POST /sales for ${pos}: ${r.status} ${r.text}`);
      }
      createRetries++;
      await sleep(200 * attempt);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  return statuses.length / seconds;
}

/**
 * The customer pays the order on a POS (simulator helper on the service's port). A call that
 * fails to connect is tried again; a repeated pay on a paid POS is refused (409), never doubled.
 */
export async function pay(s: Service, posId: string): Promise<number | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      const url = `${s.simUrl}/api/pos/${posId}/pay`;
      const r = await post(url, `{"status":"approved"}`, { ...json, ...auth });
      if (r.status !== 201) return null;
      const body = JSON.parse(r.text) as { merchant_order: { id: number } };
      return body.merchant_order.id;
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(200 * attempt);
    }
  }
}

export async function setNotifications(s: Service, method: "PUT" | "DELETE", body?: unknown) {
  const res = await fetch(`${s.simUrl}/api/notifications`, {
    method,
    headers: { ...json, ...auth },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`notification controls: ${res.status} ${await res.text()}`);
}

export async function count(s: Service, sql: string, params: unknown[] = []): Promise<number> {
  const r = await s.db.query<{ n: string }>(sql, params);
  return Number(r.rows[0]?.n ?? 0);
}

/** Waits until `done()` is true; returns the seconds taken, or null on timeout. */
export async function until(done: () => Promise<boolean>, timeoutMs = PHASE_TIMEOUT_MS) {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await done()) return (performance.now() - started) / 1000;
    await sleep(100);
  }
  return null;
}

/** Nothing left in the notification inbox and (unless told otherwise) no sale still pending. */
export async function quiet(s: Service, opts: { allowPending?: boolean } = {}): Promise<void> {
  const pending = opts.allowPending ? "0" : "(SELECT count(*) FROM sales WHERE status = 'pending')";
  const took = await until(async () => {
    const n = await count(
      s,
      `SELECT (SELECT count(*) FROM notifications WHERE processed_at IS NULL) + ${pending} AS n`,
    );
    return n === 0;
  }, QUIET_TIMEOUT_MS);
  if (took === null)
    log(`warning: the service did not go quiet within ${QUIET_TIMEOUT_MS / 1000} s`);
}
