import { pino } from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import { createNotificationPruner } from "../src/jobs/notification-pruner.ts";
import {
  NOTIFICATION_PRIORITY,
  createInboxRepository,
} from "../src/notifications/inbox.repository.ts";
import { useHarness } from "./helpers.ts";

const t = useHarness();
const inbox = () => createInboxRepository(t.db.prisma);

beforeEach(async () => {
  await t.db.prisma.notification.deleteMany();
});

let nextId = 50_000_000_000;

/** `n` rows for new resources, worked `daysAgo` days ago (null: not worked yet). */
async function rowsWorked(n: number, daysAgo: number | null): Promise<string[]> {
  const ids = Array.from({ length: n }, () => String(++nextId));
  await t.db.prisma.notification.createMany({
    data: ids.map((resourceId) => ({
      topic: "merchant_order",
      resourceId,
      processedAt: daysAgo === null ? null : new Date(Date.now() - daysAgo * 86_400_000),
    })),
  });
  return ids;
}

describe("claim order", () => {
  it("when re-reads of settled sales are due before new and pending ones, then the new and pending ones are claimed first", async () => {
    const repo = inbox();
    const [settled, unknown, pending] = [String(++nextId), String(++nextId), String(++nextId)];
    for (const id of [settled, unknown, pending]) await repo.record("merchant_order", id);
    const first = await repo.claim(10, 60_000);
    const priority = {
      [settled]: NOTIFICATION_PRIORITY.settled,
      [unknown]: NOTIFICATION_PRIORITY.unknown,
      [pending]: NOTIFICATION_PRIORITY.open,
    };
    await repo.complete(
      first.map((n) => ({
        id: n.id,
        deliveries: n.deliveries,
        quietMs: 0,
        priority: priority[n.resourceId] ?? NOTIFICATION_PRIORITY.open,
      })),
    );
    // the settled one is notified again first, then the others, then a brand new resource
    for (const id of [settled, unknown, pending]) await repo.record("merchant_order", id);
    const fresh = String(++nextId);
    await repo.record("merchant_order", fresh);

    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const [n] = await repo.claim(1, 60_000);
      if (n) order.push(n.resourceId);
    }
    expect(order).toEqual([pending, fresh, unknown, settled]);
  });
});

describe("retention (NOTIFICATION_RETENTION_DAYS)", () => {
  const pruner = (batchSize: number, batchesPerTick: number) =>
    createNotificationPruner({
      inbox: inbox(),
      logger: pino({ level: "silent" }),
      now: () => new Date(),
      retentionDays: 7,
      batchSize,
      batchesPerTick,
    });

  it("deletes rows worked more than 7 days ago, keeps newer and unworked ones", async () => {
    const old = await rowsWorked(30, 8);
    const recent = await rowsWorked(5, 6);
    const open = await rowsWorked(5, null);
    await t.db.prisma.notification.updateMany({
      where: { resourceId: { in: open } },
      data: { firstReceivedAt: new Date(Date.now() - 30 * 86_400_000) },
    });

    await pruner(1000, 5).runOnce();

    const left = await t.db.prisma.notification.findMany({ select: { resourceId: true } });
    expect(left.map((r) => r.resourceId).sort()).toEqual([...recent, ...open].sort());
    expect(old.length).toBe(30);
  });

  it("deletes at most batch × batches per tick, the rest on later ticks", async () => {
    await rowsWorked(45, 10);
    const job = pruner(10, 2);

    await job.runOnce();
    expect(await t.db.prisma.notification.count()).toBe(25);
    await job.runOnce();
    await job.runOnce();
    expect(await t.db.prisma.notification.count()).toBe(0);
  });

  it("when replicas prune together while deliveries re-arm old rows, then re-armed rows stay and nothing deadlocks", async () => {
    const ids = await rowsWorked(300, 9);
    const rearmed = ids.filter((_, i) => i % 3 === 0);
    const repo = inbox();
    await Promise.all([
      pruner(50, 10).runOnce(),
      pruner(50, 10).runOnce(),
      ...rearmed.map((id) => repo.record("merchant_order", String(id))),
    ]);
    await pruner(1000, 5).runOnce();

    const left = await t.db.prisma.notification.findMany();
    // a re-armed row is either kept (re-armed before the prune reached it) or stored anew
    expect(left.map((r) => r.resourceId).sort()).toEqual([...rearmed].sort());
    expect(left.every((r) => r.processedAt === null)).toBe(true);
  });
});
