import { NO_PAYMENT_DETAILS } from "../src/mercadopago/upstream.ts";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDayBounds } from "../src/stores/store-day.ts";
import { auth, buildHarness, createTestDb, type Harness, type TestDb } from "./helpers.ts";
import { pageWidthMm, pdfText } from "./pdf-text.ts";

// GET /sales/close: a store's day in its own zone (America/Santiago) on a database whose zone
// is another (Asia/Tokyo, twelve or thirteen hours away), so a day cut by the database's or the
// server's clock would put the 23:59 and 00:01 sales on the wrong days. The simulator does not
// produce payment details or disputes yet: the sales are written to the database directly, with
// payments and a dispute in the shapes the service stores (ObservedPayment, sales.dispute).

const ZONE = "America/Santiago";
const STORE = "CLOSE1";
const DAY = "2026-12-05";
const MIN = 60_000;
const { start, end } = localDayBounds(DAY, ZONE);

let db: TestDb;
let h: Harness;
const staff = { Authorization: "Bearer staff-key-0123456789abcdef" };
const till = { Authorization: "Bearer pos-till-key-0123456789ab" };

const details = (d: Record<string, unknown>) => ({ ...NO_PAYMENT_DETAILS, ...d });

interface Row {
  ref: string;
  store?: string;
  pos: string;
  status: string;
  total: number;
  paid?: number;
  refunded?: number;
  at: number;
  updatedAt?: number;
  payments?: unknown[];
  dispute?: unknown;
}

async function insert(r: Row) {
  const at = new Date(r.at);
  await db.prisma.$executeRaw`
    INSERT INTO sales (external_reference, store_id, pos_id, title, description, items, total_cents,
                       status, paid_cents, refunded_cents, payments, dispute, currency, request_hash,
                       expires_at, order_state, created_at, updated_at)
    VALUES (${r.ref}, ${r.store ?? STORE}, ${r.pos}, 'x', '', '[]'::jsonb, ${r.total}, ${r.status},
            ${r.paid ?? 0}, ${r.refunded ?? 0}, ${JSON.stringify(r.payments ?? [])}::jsonb,
            ${r.dispute === undefined ? null : JSON.stringify(r.dispute)}::jsonb, 'ARS', 'h',
            ${at}::timestamptz, 'withdrawn', ${at}::timestamptz,
            ${new Date(r.updatedAt ?? r.at)}::timestamptz)`;
}

beforeAll(async () => {
  db = await createTestDb({ timezone: "Asia/Tokyo" });
  h = buildHarness(db, {
    staffApiKeys: ["staff-key-0123456789abcdef"],
    posApiKeys: ["pos-till-key-0123456789ab"],
  });
  await db.prisma.store.create({
    data: {
      externalId: STORE,
      mercadopagoId: "mp-close1",
      name: "Sucursal Ñuñoa",
      location: {},
      requestHash: "h",
      timeZone: ZONE,
      locale: "es",
    },
  });
  const openedInDay = new Date(start.getTime() + 5 * 3600_000).toISOString();
  const rows: Row[] = [
    // the day's first minute and its last one, in Santiago
    {
      ref: "c-0001",
      pos: "POSA",
      status: "paid",
      total: 100_000,
      paid: 100_000,
      at: start.getTime() + MIN,
      payments: [
        {
          id: 111,
          status: "approved",
          amount: 1000,
          details: details({ method: "visa", type: "credit_card", fee: 40.5, net: 959.5 }),
        },
        { id: 110, status: "rejected", amount: 1000 },
      ],
    },
    {
      ref: "c-2359",
      pos: "POSB",
      status: "paid",
      total: 25_050,
      paid: 25_050,
      at: end.getTime() - MIN,
      payments: [
        {
          id: 222,
          status: "approved",
          amount: 250.5,
          details: details({ method: "account_money", type: "account_money", fee: 10, net: 240.5 }),
        },
      ],
    },
    // a sale stored before payment details were kept, since refunded
    {
      ref: "c-refunded",
      pos: "POSA",
      status: "refunded",
      total: 30_000,
      paid: 30_000,
      refunded: 30_000,
      at: end.getTime() - 60 * MIN,
      payments: [{ id: 333, status: "refunded", amount: 300, refunded: 300 }],
    },
    {
      ref: "c-expired",
      pos: "POSB",
      status: "expired",
      total: 5_000,
      at: start.getTime() + 90 * MIN,
    },
    // charged back after it was paid: it stays paid, its dispute is listed
    {
      ref: "c-disputed",
      pos: "POSA",
      status: "paid",
      total: 8_000,
      paid: 8_000,
      refunded: 8_000,
      at: start.getTime() + 120 * MIN,
      updatedAt: start.getTime() + 400 * MIN,
      payments: [
        {
          id: 444,
          status: "charged_back",
          amount: 80,
          details: details({ method: "master", type: "debit_card", fee: 2, net: 78 }),
        },
      ],
      dispute: { status: "opened", amountCents: 8_000, openedAt: openedInDay, paymentId: "444" },
    },
    // the minute before the day and the minute after it
    {
      ref: "c-before",
      pos: "POSA",
      status: "paid",
      total: 77_700,
      paid: 77_700,
      at: start.getTime() - MIN,
    },
    {
      ref: "c-after",
      pos: "POSB",
      status: "paid",
      total: 99_900,
      paid: 99_900,
      at: end.getTime() + MIN,
    },
    // another store's sale of the same day
    {
      ref: "c-other",
      store: "OTHER1",
      pos: "POSX",
      status: "paid",
      total: 1_000,
      paid: 1_000,
      at: start.getTime() + 3 * MIN,
    },
    // an older sale charged back on the day: listed among the day's disputes, not in its money
    {
      ref: "c-old-dispute",
      pos: "POSB",
      status: "paid",
      total: 12_000,
      paid: 12_000,
      refunded: 12_000,
      at: start.getTime() - 3 * 24 * 3600_000,
      updatedAt: start.getTime() + 6 * 3600_000,
      dispute: { status: "opened", amountCents: 12_000, openedAt: openedInDay, paymentId: 555 },
    },
    // an older dispute opened on another day, changed on this one: not the day's
    {
      ref: "c-old-other-day",
      pos: "POSB",
      status: "paid",
      total: 500,
      paid: 500,
      refunded: 500,
      at: start.getTime() - 10 * 24 * 3600_000,
      updatedAt: start.getTime() + 7 * 3600_000,
      dispute: {
        status: "won",
        amountCents: 500,
        openedAt: new Date(start.getTime() - 9 * 24 * 3600_000).toISOString(),
        paymentId: "666",
      },
    },
  ];
  for (const r of rows) await insert(r);
});

afterAll(async () => {
  await db?.drop();
});

const close = (query: string, who = auth) => request(h.app).get(`/sales/close?${query}`).set(who);

describe("GET /sales/close: a store's day in its zone, on a database in another", () => {
  it("the database's own zone is not the store's", async () => {
    const [row] = await db.prisma.$queryRaw<
      { tz: string }[]
    >`SELECT current_setting('TimeZone') AS tz`;
    // the service's sessions run in UTC; a fresh session of this database would be in Tokyo
    expect(["UTC", "Etc/UTC"]).toContain(row!.tz);
    const [dbZone] = await db.prisma.$queryRaw<{ tz: string }[]>`
      SELECT setconfig::text AS tz FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
       WHERE d.datname = current_database()`;
    expect(dbZone!.tz).toContain("Asia/Tokyo");
  });

  it("sums the day's sales from 00:01 to 23:59 local time, and none of the minutes around", async () => {
    const res = await close(`store_id=${STORE}&date=${DAY}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const b = res.body;
    expect(b).toMatchObject({
      store_id: STORE,
      date: DAY,
      time_zone: ZONE,
      pos_id: null,
      currency: "ARS",
      from: start.toISOString(),
      to: end.toISOString(),
      count: 5,
      paid_count: 4,
      // 1000 + 250.50 + 300 + 80
      gross_amount: 1630.5,
      fee_amount: 52.5,
      net_amount: 1578,
      refunded_amount: 380,
    });
    expect(b.by_status).toEqual({
      pending: { count: 0, amount: 0 },
      paid: { count: 3, amount: 1330.5 },
      refunded: { count: 1, amount: 300 },
      cancelled: { count: 0, amount: 0 },
      expired: { count: 1, amount: 50 },
      failed: { count: 0, amount: 0 },
    });
    // the rejected attempt counts nowhere; the sale without details is "unknown"
    expect(b.by_method).toEqual({
      visa: { count: 1, amount: 1000 },
      account_money: { count: 1, amount: 250.5 },
      unknown: { count: 1, amount: 300 },
      master: { count: 1, amount: 80 },
    });
    expect(b.by_pos).toEqual({
      POSA: { count: 3, amount: 1380, fee_amount: 42.5, net_amount: 1337.5, refunded_amount: 380 },
      POSB: { count: 1, amount: 250.5, fee_amount: 10, net_amount: 240.5, refunded_amount: 0 },
    });
    expect(b.reconciliation).toEqual({ status: "pending", checked_at: null, discrepancies: [] });
  });

  it("the sums are the sums of the day's sales as the list and the summary show them", async () => {
    const [closed, summary, list] = await Promise.all([
      close(`store_id=${STORE}&date=${DAY}`),
      request(h.app).get(`/sales/summary?store_id=${STORE}&date=${DAY}`).set(auth),
      request(h.app).get(`/sales?store_id=${STORE}&date=${DAY}&limit=200`).set(auth),
    ]);
    const sales = list.body.data as {
      status: string;
      paid_amount: number;
      refunded_amount: number;
    }[];
    const settled = sales.filter((s) => s.status === "paid" || s.status === "refunded");
    const sum = (xs: number[]) => Math.round(xs.reduce((a, x) => a + x * 100, 0)) / 100;
    expect(closed.body.count).toBe(sales.length);
    expect(closed.body.gross_amount).toBe(sum(settled.map((s) => s.paid_amount)));
    expect(closed.body.gross_amount).toBe(summary.body.paid_amount);
    expect(closed.body.refunded_amount).toBe(summary.body.refunded_amount);
    const byMethod = Object.values(closed.body.by_method as Record<string, { amount: number }>);
    expect(sum(byMethod.map((m) => m.amount))).toBe(closed.body.gross_amount);
    const byPos = Object.values(closed.body.by_pos as Record<string, { amount: number }>);
    expect(sum(byPos.map((m) => m.amount))).toBe(closed.body.gross_amount);
  });

  it("the day before and the day after each hold their own minute", async () => {
    const before = await close(`store_id=${STORE}&date=2026-12-04`);
    const after = await close(`store_id=${STORE}&date=2026-12-06`);
    expect([before.body.count, before.body.gross_amount]).toEqual([1, 777]);
    expect([after.body.count, after.body.gross_amount]).toEqual([1, 999]);
  });

  it("lists the disputes of the day: its own sales' and older ones opened on it", async () => {
    const res = await close(`store_id=${STORE}&date=${DAY}`);
    expect(res.body.disputes).toEqual([
      expect.objectContaining({
        external_reference: "c-old-dispute",
        pos_id: "POSB",
        payment_id: "555",
        amount: 120,
        status: "opened",
      }),
      expect.objectContaining({
        external_reference: "c-disputed",
        pos_id: "POSA",
        payment_id: "444",
        amount: 80,
        status: "opened",
        opened_at: new Date(start.getTime() + 5 * 3600_000).toISOString(),
      }),
    ]);
  });

  it("pos_id narrows the day to one POS", async () => {
    const res = await close(`store_id=${STORE}&date=${DAY}&pos_id=POSB`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      pos_id: "POSB",
      count: 2,
      paid_count: 1,
      gross_amount: 250.5,
    });
    expect(Object.keys(res.body.by_pos)).toEqual(["POSB"]);
    expect(
      res.body.disputes.map((d: { external_reference: string }) => d.external_reference),
    ).toEqual(["c-old-dispute"]);
  });

  it("a store without sales that day closes at zero", async () => {
    const res = await close(`store_id=NOSALES&date=${DAY}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      count: 0,
      gross_amount: 0,
      by_method: {},
      by_pos: {},
      disputes: [],
    });
  });

  it("as CSV: the BOM, one figure a line, the sales CSV's two formats", async () => {
    const res = await close(`store_id=${STORE}&date=${DAY}`).set("Accept", "text/csv");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toContain(`close-${STORE}-${DAY}.csv`);
    const text = res.text;
    expect(text.startsWith("\uFEFF")).toBe(true);
    const lines = text.slice(1).split("\r\n");
    expect(lines[0]).toBe("section,key,count,amount,fee_amount,net_amount,refunded_amount,detail");
    expect(lines).toContain("total,paid,4,1630.50,52.50,1578.00,380.00,");
    expect(lines).toContain("method,visa,1,1000.00,,,,");
    expect(lines).toContain("pos,POSA,3,1380.00,42.50,1337.50,380.00,");
    expect(lines.some((l) => l.startsWith("dispute,c-disputed,1,80.00,"))).toBe(true);
    expect(lines).toContain("reconciliation,pending,0,,,,,");

    const semi = await close(`store_id=${STORE}&date=${DAY}&delimiter=semicolon`).set(
      "Accept",
      "text/csv",
    );
    expect(semi.text.slice(1).split("\r\n")).toContain(
      "total;paid;4;1630,50;52,50;1578,00;380,00;",
    );
  });

  it("as PDF: an 80 mm strip whose text reads the same day, in the store's language", async () => {
    const res = await close(`store_id=${STORE}&date=${DAY}`)
      .set("Accept", "application/pdf")
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    const pdf = res.body as Buffer;
    expect(pageWidthMm(pdf)).toBeCloseTo(80, 1);
    const text = await pdfText(pdf);
    expect(text).toContain("Cierre del día");
    expect(text).toContain("Sucursal Ñuñoa");
    expect(text).toMatch(/Bruto\s+\$ 1\.630,50/);
    expect(text).toMatch(/Neto\s+\$ 1\.578,00/);
    expect(text).toContain("VISA (1)");
    expect(text).toContain("c-disputed");
    expect(text).toContain("Todavía no se verificó con Mercado Pago.");
  });

  it("staff and full keys only; the date and the store are required and checked", async () => {
    expect((await close(`store_id=${STORE}&date=${DAY}`, staff)).status).toBe(200);
    expect((await close(`store_id=${STORE}&date=${DAY}`, till)).status).toBe(403);
    expect((await request(h.app).get(`/sales/close?store_id=${STORE}&date=${DAY}`)).status).toBe(
      401,
    );
    for (const q of [
      `store_id=${STORE}`,
      `date=${DAY}`,
      `store_id=${STORE}&date=2026-02-30`,
      `store_id=${STORE}&date=${DAY}&x=1`,
    ]) {
      const res = await close(q);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });
});
