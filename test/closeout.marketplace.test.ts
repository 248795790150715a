import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_PAYMENT_DETAILS } from "../src/mercadopago/upstream.ts";
import { localDayBounds } from "../src/stores/store-day.ts";
import { auth, buildHarness, createTestDb, type Harness, type TestDb } from "./helpers.ts";
import { pdfText } from "./pdf-text.ts";

// Platform mode's close-out: the platform's marketplace fee (MP_MARKETPLACE_FEE_PERCENT of each
// paid Orders API sale of a merchant's store, rounded per sale as its order's marketplace_fee
// was) shown apart from Mercado Pago's own fees; none for instore v2 sales, none for the default
// merchant's store, and nothing of it outside platform mode.

const ZONE = "America/Argentina/Buenos_Aires";
const DAY = "2026-12-05";
const { start } = localDayBounds(DAY, ZONE);

let db: TestDb;
let h: Harness;
let plain: Harness;

async function store(externalId: string, merchantId: string | null) {
  await db.prisma.store.create({
    data: {
      externalId,
      mercadopagoId: `mp-${externalId}`,
      name: `Sucursal ${externalId}`,
      location: {},
      requestHash: "h",
      timeZone: ZONE,
      locale: "es",
      merchantId,
    },
  });
}

let n = 0;
async function sale(s: {
  store: string;
  status: string;
  total: number;
  api: "orders" | "instore_v2";
  fee?: number;
}) {
  n++;
  const at = new Date(start.getTime() + n * 60_000);
  const paid = s.status === "paid" || s.status === "refunded" ? s.total : 0;
  const payments =
    paid > 0
      ? [
          {
            id: 5000 + n,
            status: "approved",
            amount: s.total / 100,
            details: { ...NO_PAYMENT_DETAILS, method: "visa", fee: s.fee ?? null },
          },
        ]
      : [];
  await db.prisma.$executeRaw`
    INSERT INTO sales (external_reference, store_id, pos_id, title, description, items, total_cents,
                       status, paid_cents, refunded_cents, payments, currency, request_hash,
                       expires_at, order_state, mercadopago_api, created_at, updated_at)
    VALUES (${`mk-${n}`}, ${s.store}, ${`${s.store}POS`}, 'x', '', '[]'::jsonb, ${s.total},
            ${s.status}, ${paid}, ${s.status === "refunded" ? paid : 0},
            ${JSON.stringify(payments)}::jsonb, 'ARS', 'h', ${at}::timestamptz, 'withdrawn',
            ${s.api}, ${at}::timestamptz, ${at}::timestamptz)`;
}

beforeAll(async () => {
  db = await createTestDb();
  h = buildHarness(db, { marketplaceFeePercent: 2.5 });
  plain = buildHarness(db);
  const merchant = await db.prisma.merchant.create({ data: { name: "Café" } });
  await store("MKT1", merchant.id);
  await store("OWN1", null);
  // 2.5 % of 100.01 is 2.50025 → 2.50; of 33.33 is 0.83325 → 0.83; of 20.00 is 0.50
  await sale({ store: "MKT1", status: "paid", total: 10_001, api: "orders", fee: 4.1 });
  await sale({ store: "MKT1", status: "paid", total: 3_333, api: "orders" });
  await sale({ store: "MKT1", status: "refunded", total: 2_000, api: "orders" });
  // instore v2 sends no fee; a sale not paid took none
  await sale({ store: "MKT1", status: "paid", total: 5_000, api: "instore_v2" });
  await sale({ store: "MKT1", status: "expired", total: 7_000, api: "orders" });
  await sale({ store: "OWN1", status: "paid", total: 10_000, api: "orders" });
});
afterAll(async () => db?.drop());

const close = (app: Harness["app"], storeId: string) =>
  request(app).get(`/sales/close?store_id=${storeId}&date=${DAY}`).set(auth);

describe("the marketplace fee in the close-out (platform mode)", () => {
  it("a merchant's store: the percent and the fee of its paid Orders API sales, apart from Mercado Pago's fees", async () => {
    const res = await close(h.app, "MKT1");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      paid_count: 4,
      gross_amount: 203.34,
      // Mercado Pago's own fee_details, as before; the platform's fee is not in it nor in net
      fee_amount: 4.1,
      net_amount: 199.24,
      marketplace_fee_percent: 2.5,
      marketplace_fee_amount: 3.83,
    });
  });

  it("the default merchant's store takes no fee, and outside platform mode nothing of it shows", async () => {
    const own = await close(h.app, "OWN1");
    expect(own.body).toMatchObject({ marketplace_fee_percent: null, marketplace_fee_amount: 0 });
    const single = await close(plain.app, "MKT1");
    expect(single.body).toMatchObject({ marketplace_fee_percent: null, marketplace_fee_amount: 0 });
    const csv = await close(plain.app, "MKT1").set("Accept", "text/csv");
    expect(csv.text).not.toContain("marketplace_fee,");
  });

  it("the CSV has its line and the till roll (PDF) its row, in the store's language", async () => {
    const csv = await close(h.app, "MKT1").set("Accept", "text/csv");
    expect(csv.text).toContain("total,marketplace_fee,4,3.83,,,,2.5%");
    const res = await close(h.app, "MKT1")
      .set("Accept", "application/pdf")
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => cb(null, Buffer.concat(chunks)));
      });
    const text = await pdfText(res.body as Buffer);
    expect(text).toMatch(/Comisión de la plataforma \(2\.5 %\)\s+\$ 3,83/);
    expect(text).toMatch(/Comisiones de Mercado Pago\s+-\$ 4,10/);
    const other = await pdfText(
      (
        await close(h.app, "OWN1")
          .set("Accept", "application/pdf")
          .buffer(true)
          .parse((r, cb) => {
            const chunks: Buffer[] = [];
            r.on("data", (c: Buffer) => chunks.push(c));
            r.on("end", () => cb(null, Buffer.concat(chunks)));
          })
      ).body as Buffer,
    );
    expect(other).not.toContain("Comisión de la plataforma");
  });
});
