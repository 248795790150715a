import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSalesRepository, toSale } from "../src/sales/sales.repository.ts";
import { createTestDb, type TestDb } from "./helpers.ts";

// The lookups by reference go through pg itself, not Prisma (the hottest reads): each must give
// the very sale Prisma's read of the same row gives, every column and type included.

const HOUR = 3_600_000;

for (const zone of [undefined, "Asia/Tokyo"]) {
  describe(`sales read through pg directly${zone ? ` (database zone ${zone})` : ""}`, () => {
    let db: TestDb;
    let repo: ReturnType<typeof createSalesRepository>;
    beforeAll(async () => {
      db = await createTestDb(zone ? { timezone: zone } : {});
      repo = createSalesRepository(db.prisma);
    });
    afterAll(async () => {
      await db.drop();
    });

    async function createSale(ref: string, posId: string) {
      const created = await repo.create({
        externalReference: ref,
        storeId: "SUC001",
        posId,
        title: `Sale ${ref}`,
        description: "two coffees",
        items: [
          { title: "Coffee", unitPriceCents: 250, quantity: 2, unitMeasure: "unit" },
          {
            title: "Cake",
            unitPriceCents: 1999,
            quantity: 1,
            unitMeasure: "unit",
            skuNumber: "CK-1",
            category: "food",
            description: "chocolate",
          },
        ],
        taxes: [{ type: "IVA", valueCents: 21 }],
        totalCents: 2499,
        requestHash: "a".repeat(64),
        expiresAt: new Date(Date.now() + HOUR + 123),
        nextCheckAt: new Date(Date.now() + 30_000 + 7),
      });
      if (created.kind !== "created") throw new Error(`not created: ${created.kind}`);
      return created.sale;
    }

    async function viaPrisma(ref: string) {
      const row = await db.prisma.sale.findUnique({ where: { externalReference: ref } });
      return row ? toSale(row) : null;
    }

    it("a pending sale reads exactly as through Prisma", async () => {
      const sale = await createSale("direct-pending-1", "POS1");
      const read = await repo.findByReference("direct-pending-1");
      expect(read).toEqual(await viaPrisma("direct-pending-1"));
      expect(read).toEqual(sale);
      expect(typeof read?.totalCents).toBe("number");
      expect(read?.expiresAt).toBeInstanceOf(Date);
    });

    it("a paid sale with a merchant order, payments, refunds and a failure reads as through Prisma", async () => {
      const sale = await createSale("direct-paid-1", "POS2");
      const moved = await repo.transition(sale.id, {
        to: "paid",
        source: "webhook",
        at: new Date(),
        observation: {
          merchantOrderId: 9_007_199_254_740_000,
          merchantOrderStatus: "closed",
          paidCents: 2499,
          refundedCents: 0,
          payments: [{ id: 123456789012, status: "approved", amount: 24.99 }],
        },
      });
      expect(moved?.status).toBe("paid");
      await repo.raiseRefunded(sale.id, 500, new Date());
      await db.prisma.$executeRaw`UPDATE sales SET failure = '{"status":502,"code":"x"}'::jsonb
                                   WHERE id = ${sale.id}::uuid`;
      const read = await repo.findByReference("direct-paid-1");
      expect(read).toEqual(await viaPrisma("direct-paid-1"));
      expect(read?.merchantOrderId).toBe(9_007_199_254_740_000);
      expect(read?.refundedCents).toBe(500);
      expect(read?.paidAt).toBeInstanceOf(Date);
      expect(read?.failure).toEqual({ status: 502, code: "x" });
    });

    it("an unknown reference, or one that looks like SQL, is simply not there", async () => {
      expect(await repo.findByReference("no-such-sale")).toBeNull();
      expect(await repo.findByReference("x' OR '1'='1")).toBeNull();
    });

    it("many references at once: the known ones, each as through Prisma", async () => {
      await createSale("direct-many-1", "POS3");
      await createSale("direct-many-2", "POS4");
      const found = await repo.findManyByReference([
        "direct-many-1",
        "direct-many-2",
        "direct-many-unknown",
      ]);
      const byRef = new Map(found.map((s) => [s.externalReference, s]));
      expect([...byRef.keys()].sort()).toEqual(["direct-many-1", "direct-many-2"]);
      expect(byRef.get("direct-many-1")).toEqual(await viaPrisma("direct-many-1"));
      expect(byRef.get("direct-many-2")).toEqual(await viaPrisma("direct-many-2"));
      expect(await repo.findManyByReference([])).toEqual([]);
    });

    it("a read many times over (a prepared statement on each pooled connection) keeps answering", async () => {
      const reads = await Promise.all(
        Array.from({ length: 40 }, () => repo.findByReference("direct-pending-1")),
      );
      for (const r of reads) expect(r?.externalReference).toBe("direct-pending-1");
      // the sale changes: the next read sees it (nothing is cached)
      await db.prisma.$executeRaw`UPDATE sales SET status = 'cancelled'
                                   WHERE external_reference = 'direct-pending-1'`;
      expect((await repo.findByReference("direct-pending-1"))?.status).toBe("cancelled");
    });
  });
}

describe("settling many sales in one statement", () => {
  let db: TestDb;
  let repo: ReturnType<typeof createSalesRepository>;
  beforeAll(async () => {
    db = await createTestDb();
    repo = createSalesRepository(db.prisma);
  });
  afterAll(async () => {
    await db.drop();
  });

  async function pendingSale(ref: string) {
    const created = await repo.create({
      externalReference: ref,
      storeId: "SUC001",
      posId: `POS-${ref}`,
      title: ref,
      description: ref,
      items: [{ title: "Coffee", unitPriceCents: 250, quantity: 2, unitMeasure: "unit" }],
      taxes: null,
      totalCents: 500,
      requestHash: "b".repeat(64),
      expiresAt: new Date(Date.now() + HOUR),
      nextCheckAt: new Date(Date.now() + 30_000),
    });
    if (created.kind !== "created") throw new Error(created.kind);
    return created.sale;
  }

  const observation = (id: number, paidCents = 500) => ({
    merchantOrderId: id,
    merchantOrderStatus: "closed",
    paidCents,
    refundedCents: 0,
    payments: [{ id: id + 1, status: "approved", amount: paidCents / 100 }],
  });

  it("moves each sale its target allows, records each event, and leaves the others alone", async () => {
    const a = await pendingSale("many-a");
    const b = await pendingSale("many-b");
    const c = await pendingSale("many-c");
    // c was cancelled meanwhile: a cancelled sale cannot expire any more
    await repo.transition(c.id, { to: "cancelled", source: "staff", at: new Date() });
    const at = new Date(Date.now() - 1000);
    const moved = await repo.transitionMany(
      [
        { saleId: a.id, to: "paid", observation: observation(5001) },
        { saleId: b.id, to: "expired", observation: observation(5002, 0) },
        { saleId: c.id, to: "expired", observation: observation(5003, 0) },
      ],
      "webhook",
      at,
    );
    const byRef = new Map(moved.map((s) => [s.externalReference, s]));
    expect([...byRef.keys()].sort()).toEqual(["many-a", "many-b"]);

    const paid = await repo.findByReference("many-a");
    expect(paid).toEqual(byRef.get("many-a"));
    expect(paid).toMatchObject({
      status: "paid",
      orderState: "withdrawn",
      nextCheckAt: null,
      merchantOrderId: 5001,
      merchantOrderStatus: "closed",
      paidCents: 500,
      payments: [{ id: 5002, status: "approved", amount: 5 }],
      paidAt: at,
      updatedAt: at,
      cancelledAt: null,
    });
    expect(await repo.findByReference("many-b")).toMatchObject({
      status: "expired",
      paidAt: null,
    });
    expect((await repo.findByReference("many-c"))?.status).toBe("cancelled");

    const events = await repo.events(a.id);
    expect(events.map((e) => [e.from, e.to, e.source, e.merchantOrderId])).toEqual([
      [null, "pending", "create", null],
      ["pending", "paid", "webhook", 5001],
    ]);
    // the cancelled sale got no second event
    expect((await repo.events(c.id)).map((e) => e.to)).toEqual(["pending", "cancelled"]);
  });

  it("a move a sale's status does not allow any more changes nothing (a second delivery)", async () => {
    const d = await pendingSale("many-d");
    const move = { saleId: d.id, to: "paid" as const, observation: observation(6001) };
    expect(await repo.transitionMany([move], "webhook", new Date())).toHaveLength(1);
    expect(await repo.transitionMany([move], "webhook", new Date())).toEqual([]);
    expect((await repo.events(d.id)).map((e) => e.to)).toEqual(["pending", "paid"]);
    expect(await repo.transitionMany([], "webhook", new Date())).toEqual([]);
  });

  it("two batches over the same sales at once: each sale moves once, neither waits forever", async () => {
    const sales = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pendingSale(`many-race-${i}`)),
    );
    const moves = sales.map((s, i) => ({
      saleId: s.id,
      to: "paid" as const,
      observation: observation(7000 + i),
    }));
    const [one, two] = await Promise.all([
      repo.transitionMany(moves, "webhook", new Date()),
      repo.transitionMany([...moves].reverse(), "reconcile", new Date()),
    ]);
    expect(one.length + two.length).toBe(20);
    for (const s of sales) {
      expect((await repo.events(s.id)).filter((e) => e.to === "paid")).toHaveLength(1);
    }
  });
});
