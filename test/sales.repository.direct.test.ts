import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObservedPayment } from "../src/mercadopago/upstream.ts";
import { toSale } from "../src/sales/sale-rows.ts";
import { createSalesRepository } from "../src/sales/sales.repository.ts";
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
          api: "instore_v2",
          id: "9007199254740000",
          externalReference: "direct-paid-1",
          status: "closed",
          settled: true,
          approvedCents: 2499,
          paidCents: 2499,
          refundedCents: 0,
          reverted: false,
          ended: false,
          payments: [{ id: 123456789012, status: "approved", amount: 24.99 }],
          updatedAt: "",
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

    it("the sweeper's claim returns the claimed sales as Prisma reads them, lease taken", async () => {
      const sale = await createSale("direct-claim-1", "POS-CLAIM-1");
      await db.prisma.$executeRaw`UPDATE sales SET next_check_at = now() - interval '1 second'
                                   WHERE id = ${sale.id}::uuid`;
      const claimed = await repo.claimDue(50, 60_000);
      const mine = claimed.find((c) => c.id === sale.id);
      expect(mine).toEqual(await viaPrisma("direct-claim-1"));
      expect(mine?.checkAttempts).toBe(sale.checkAttempts + 1);
      expect(mine?.nextCheckAt?.getTime()).toBeGreaterThan(Date.now() + 50_000);
    });

    it("a tick's next looks in one statement: each only while its sale is as seen", async () => {
      const a = await createSale("direct-schedule-a", "POS-SCHED-A");
      const b = await createSale("direct-schedule-b", "POS-SCHED-B");
      const at = new Date(Date.now() + 5 * HOUR);
      await repo.scheduleChecks([
        { saleId: a.id, at, seen: a },
        // b was seen publishing and is on the POS now: whoever moved it set its next look
        { saleId: b.id, at, seen: { ...b, orderState: "on_pos" } },
      ]);
      expect((await viaPrisma("direct-schedule-a"))?.nextCheckAt).toEqual(at);
      expect((await viaPrisma("direct-schedule-b"))?.nextCheckAt).toEqual(b.nextCheckAt);
      await repo.scheduleChecks([{ saleId: a.id, at: null, seen: a }]);
      expect((await viaPrisma("direct-schedule-a"))?.nextCheckAt).toBeNull();
    });

    it("marks on the POS the sales of concurrent calls, each only while still its own to mark", async () => {
      const a = await createSale("direct-onpos-a", "POS-ONPOS-A");
      const b = await createSale("direct-onpos-b", "POS-ONPOS-B");
      const c = await createSale("direct-onpos-c", "POS-ONPOS-C");
      const d = await createSale("direct-onpos-d", "POS-ONPOS-D");
      // d is no longer pending: its publication has nothing to end
      await db.prisma.sale.update({ where: { id: d.id }, data: { status: "cancelled" } });
      const next = new Date(Date.now() + 2 * HOUR);
      const marks = await Promise.all([
        repo.markOnPos({ saleId: a.id, lease: a.nextCheckAt!, nextCheckAt: next }),
        // another lease than the one b holds: someone else took b's publication over
        repo.markOnPos({ saleId: b.id, lease: new Date(0), nextCheckAt: next }),
        repo.markOnPos({ saleId: c.id, nextCheckAt: next }),
        repo.markOnPos({ saleId: d.id, nextCheckAt: next }),
      ]);
      expect(marks.map((m) => m?.externalReference ?? null)).toEqual([
        "direct-onpos-a",
        null,
        "direct-onpos-c",
        null,
      ]);
      for (const ref of ["direct-onpos-a", "direct-onpos-c"]) {
        const stored = await viaPrisma(ref);
        expect(stored?.orderState).toBe("on_pos");
        expect(stored?.nextCheckAt).toEqual(next);
        expect(marks.find((m) => m?.externalReference === ref)).toEqual(stored);
      }
      expect((await viaPrisma("direct-onpos-b"))?.orderState).toBe("publishing");
      expect((await viaPrisma("direct-onpos-d"))?.orderState).toBe("publishing");
      // marked once, a sale is not marked again
      expect(await repo.markOnPos({ saleId: c.id, nextCheckAt: next })).toBeNull();
    });

    it("a mark held up by a locked sale leaves the other sales' marks to go on", async () => {
      const stuck = await createSale("direct-onpos-locked", "POS-ONPOS-L");
      const free = await createSale("direct-onpos-free", "POS-ONPOS-F");
      const next = new Date(Date.now() + 2 * HOUR);
      const locker = new pg.Client({ connectionString: db.directUrl });
      await locker.connect();
      try {
        // a long transaction holding the sale's row, as an operator's session might
        await locker.query("BEGIN");
        await locker.query("SELECT 1 FROM sales WHERE id = $1 FOR UPDATE", [stuck.id]);
        const held = repo.markOnPos({ saleId: stuck.id, nextCheckAt: next });
        let heldDone = false;
        void held.then(
          () => (heldDone = true),
          () => (heldDone = true),
        );
        const marked = await repo.markOnPos({ saleId: free.id, nextCheckAt: next });
        expect(marked?.externalReference).toBe("direct-onpos-free");
        expect(heldDone).toBe(false);
        await locker.query("COMMIT");
        expect((await held)?.orderState).toBe("on_pos");
      } finally {
        await locker.end();
      }
    });

    it("records the payments of concurrent calls in one go: paid sales only, a repeated sale once", async () => {
      const a = await createSale("direct-payments-a", "POS-PAY-A");
      const b = await createSale("direct-payments-b", "POS-PAY-B");
      const pending = await createSale("direct-payments-p", "POS-PAY-P");
      await db.prisma.sale.updateMany({
        where: { id: { in: [a.id, b.id] } },
        data: { status: "paid", paidCents: 2499n },
      });
      const paid = (id: number, note: string): ObservedPayment => ({
        id,
        status: "approved",
        amount: 24.99,
        details: {
          method: "visa",
          type: "credit_card",
          installments: 1,
          cardLastFour: "4242",
          authorizationCode: `a"b\\c ${note}`,
          fee: 1.25,
          net: 23.74,
          moneyReleaseDate: "2026-12-10T00:00:00.000-03:00",
          statusDetail: "accredited",
          dateApproved: "2026-12-07T10:00:00.000-03:00",
        },
      });
      // the first call goes alone; the three made while it is out share the next statement
      const written = await Promise.all([
        repo.recordPayments(pending.id, [paid(3, "pending")]),
        repo.recordPayments(a.id, [paid(1, "first")]),
        repo.recordPayments(b.id, [paid(2, "b")]),
        repo.recordPayments(a.id, [paid(1, "again")]),
      ]);
      const storedA = await viaPrisma("direct-payments-a");
      const storedB = await viaPrisma("direct-payments-b");
      expect(storedB?.payments).toEqual([paid(2, "b")]);
      expect(written[2]).toEqual(storedB);
      // the later of a sale's two calls in one statement is the one kept, and both see it
      expect(storedA?.payments).toEqual([paid(1, "again")]);
      expect(written[1]).toEqual(storedA);
      expect(written[3]).toEqual(storedA);
      expect(written[0]).toBeNull();
      expect((await viaPrisma("direct-payments-p"))?.payments).toEqual(pending.payments);
    });
  });
}
