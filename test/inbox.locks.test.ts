import { describe, expect, it } from "vitest";
import {
  NOTIFICATION_PRIORITY,
  createInboxRepository,
} from "../src/notifications/inbox.repository.ts";
import { useHarness } from "./helpers.ts";

const t = useHarness();

describe("inbox lock order", () => {
  it("when deliveries land while a batch of the same rows is being completed, then neither deadlocks", async () => {
    const inbox = createInboxRepository(t.db.prisma);
    // ids whose text order differs from their numeric order (9 < 10 but "10" < "9")
    const ids = Array.from({ length: 60 }, (_, i) => String(9 + i * 7));
    await Promise.all(ids.map((id) => inbox.record("merchant_order", id)));
    for (let round = 0; round < 15; round++) {
      const claimed = await inbox.claim(1000, 60_000);
      const ours = claimed.filter((n) => ids.includes(n.resourceId));
      expect(ours).toHaveLength(ids.length);
      const deliveries = [...ids].reverse().map((id) => inbox.record("merchant_order", id));
      const worked = ours.reverse().map((n, i) => ({
        id: n.id,
        deliveries: n.deliveries,
        quietMs: 0,
        priority: NOTIFICATION_PRIORITY[i % 2 === 0 ? "open" : "settled"],
      }));
      await Promise.all([
        inbox.complete(worked),
        inbox.complete([...worked].reverse()),
        ...deliveries,
      ]);
    }
    const rows = await t.db.prisma.notification.findMany({
      where: { topic: "merchant_order", resourceId: { in: ids.map(String) } },
    });
    expect(rows.every((r) => r.deliveries === 16)).toBe(true);
  });
});
