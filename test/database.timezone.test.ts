import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/database.ts";
import { createSalesRepository } from "../src/sales/sales.repository.ts";
import {
  auth,
  buildHarness,
  createTestDb,
  expectPut,
  saleBody,
  type Harness,
  type TestDb,
} from "./helpers.ts";

// The database's own zone (set by initdb from the host; UTC-3 in most of Mercado Pago's markets)
// must not move a stored instant: every check against now() in SQL depends on it.

for (const zone of ["America/Sao_Paulo", "Asia/Tokyo"]) {
  describe(`a database whose zone is ${zone}`, () => {
    let db: TestDb;
    let h: Harness;
    beforeAll(async () => {
      db = await createTestDb({ timezone: zone });
      h = buildHarness(db);
    });
    afterAll(async () => {
      nock.cleanAll();
      await db.drop();
    });

    it("stores a sale's times at the instants the service gave, as now() in SQL sees them", async () => {
      const body = saleBody();
      expectPut("SUC001", body.pos_id);
      const before = Date.now();
      await request(h.app).post("/sales").set(auth).send(body).expect(201);

      const [row] = await db.prisma.$queryRaw<
        { expires_in_s: number; created_vs_now_s: number; expires_at_utc: string }[]
      >`SELECT extract(epoch FROM expires_at - now())::float8 AS expires_in_s,
               extract(epoch FROM created_at - now())::float8 AS created_vs_now_s,
               to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS expires_at_utc
          FROM sales WHERE external_reference = ${body.external_reference}`;
      // the order lives ORDER_TTL (600 s) from creation: due in about 10 minutes, not hours
      expect(row!.expires_in_s).toBeGreaterThan(590);
      expect(row!.expires_in_s).toBeLessThanOrEqual(600);
      expect(Math.abs(row!.created_vs_now_s)).toBeLessThan(10);
      const sale = await db.prisma.sale.findUniqueOrThrow({
        where: { externalReference: body.external_reference },
      });
      expect(sale.expiresAt.toISOString()).toBe(row!.expires_at_utc);
      expect(sale.expiresAt.getTime() - before).toBeGreaterThanOrEqual(599_000);
    });

    it("a sale is due for the sweeper exactly when its next check has passed", async () => {
      const repo = createSalesRepository(db.prisma);
      const soon = saleBody();
      const past = saleBody();
      for (const b of [soon, past]) {
        expectPut("SUC001", b.pos_id);
        await request(h.app).post("/sales").set(auth).send(b).expect(201);
      }
      await db.prisma.sale.update({
        where: { externalReference: soon.external_reference },
        data: { nextCheckAt: new Date(Date.now() + 60_000) },
      });
      await db.prisma.sale.update({
        where: { externalReference: past.external_reference },
        data: { nextCheckAt: new Date(Date.now() - 1000) },
      });

      const claimed = await repo.claimDue(10, 30_000);

      expect(claimed.map((s) => s.externalReference)).toEqual([past.external_reference]);
    });

    it("a stored notification is due at once, not hours later or earlier", async () => {
      await request(h.app)
        .post("/webhooks/mercadopago?topic=merchant_order&id=4242")
        .send({ resource: "4242", topic: "merchant_order" })
        .expect(200);
      const [row] = await db.prisma.$queryRaw<{ due_vs_now_s: number }[]>`
        SELECT extract(epoch FROM due_at - now())::float8 AS due_vs_now_s
          FROM notifications WHERE resource_id = '4242'`;
      expect(Math.abs(row!.due_vs_now_s)).toBeLessThan(10);
    });
  });
}

describe("the embedded database", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "pglite-tz-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs in UTC even when its data directory sets another zone", async () => {
    const first = await openDatabase({ url: undefined, dataDir: dir, poolSize: 2 });
    await first.prisma.$executeRawUnsafe(`ALTER DATABASE postgres SET timezone = 'Asia/Tokyo'`);
    await first.close();

    const db = await openDatabase({ url: undefined, dataDir: dir, poolSize: 2 });
    try {
      const when = new Date(Date.now() + 600_000);
      const [row] = await db.prisma.$queryRaw<{ zone: string; ahead_s: number }[]>`
        SELECT current_setting('TimeZone') AS zone,
               extract(epoch FROM ${when}::timestamptz - now())::float8 AS ahead_s`;
      expect(row!.zone).toBe("UTC");
      expect(row!.ahead_s).toBeGreaterThan(590);
      expect(row!.ahead_s).toBeLessThanOrEqual(600);
    } finally {
      await db.close();
    }
  }, 60_000);
});
