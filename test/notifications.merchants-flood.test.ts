import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInboxRepository } from "../src/notifications/inbox.repository.ts";
import { slowReply } from "./helpers.ts";
import {
  as,
  nextId,
  paidMerchantOrder,
  usePlatformHarness,
  type Seller,
} from "./platform-harness.ts";

// One merchant's flood of notifications, or its slow Mercado Pago, never delays another
// merchant's settlement: the worker runs on its own (started, as in production) while merchant A's
// backlog is worked, and merchant B's sales, notified meanwhile, are timed from notification to
// paid.

const { t, merchantWithPos, saleOf, ipn, statusOf } = usePlatformHarness({
  quietMs: { pending: 1000, settled: 10_000 },
});

beforeAll(() => t.h.worker.start());
afterAll(() => t.h.worker.stop());

/** Queues `n` notifications of A's for merchant orders it has not got (read: 404). */
async function flood(a: Seller, n: number): Promise<void> {
  const inbox = createInboxRepository(t.db.prisma);
  await Promise.all(
    Array.from({ length: n }, () =>
      inbox.record("merchant_order", String(nextId()), null, a.merchant.id),
    ),
  );
  t.h.worker.wake();
}

/** B's sale, paid and notified now; resolves with the seconds until it is paid. */
async function secondsToPaid(b: Seller): Promise<number> {
  const { ref } = await saleOf(b);
  const mo = nextId();
  paidMerchantOrder(b.token, mo, ref);
  const notifiedAt = Date.now();
  await ipn(mo, `&merchant=${b.merchant.id}`);
  for (;;) {
    if ((await statusOf(ref)) === "paid") return (Date.now() - notifiedAt) / 1000;
    if (Date.now() - notifiedAt > 20_000) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Rows of A's still waiting: A's backlog outlived B's sales. */
const waiting = (a: Seller) =>
  t.db.prisma.notification.count({ where: { merchantId: a.merchant.id, processedAt: null } });

describe("two merchants' notifications interleaved under a flood of one of them", () => {
  it("when merchant A has 3 000 notifications queued, then merchant B's sales notified meanwhile are paid within 2 s", async () => {
    const a = await merchantWithPos();
    const b = await merchantWithPos();
    // each of A's reads takes 40 ms: its backlog alone is several seconds of the worker's time
    as(a.token)
      .persist()
      .get(/^\/merchant_orders\/\d+$/)
      .reply(slowReply(40, 404, { message: "not found" }));
    await flood(a, 3000);
    const seconds: number[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      seconds.push(await secondsToPaid(b));
    }
    expect(await waiting(a)).toBeGreaterThan(0);
    expect(Math.max(...seconds)).toBeLessThan(2);
  }, 60_000);

  it("when merchant A's Mercado Pago answers nothing (every read times out), then merchant B's sales are still paid within 2 s", async () => {
    const a = await merchantWithPos();
    const b = await merchantWithPos();
    as(a.token)
      .persist()
      .get(/^\/merchant_orders\/\d+$/)
      .reply(slowReply(3000, 404, { message: "not found" }));
    await flood(a, 300);
    const seconds: number[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      seconds.push(await secondsToPaid(b));
    }
    expect(await waiting(a)).toBeGreaterThan(0);
    expect(Math.max(...seconds)).toBeLessThan(2);
  }, 60_000);
});
