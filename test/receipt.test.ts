import { NO_PAYMENT_DETAILS } from "../src/mercadopago/upstream.ts";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, buildHarness, createTestDb, type Harness, type TestDb } from "./helpers.ts";
import { pageWidthMm, pdfText } from "./pdf-text.ts";

// GET /orders/:ref/receipt in the store's language and the sale's currency, dated in the
// store's zone. The simulator does not produce payment details yet: the paid sales are written
// to the database directly, their payments in the shape the service stores (ObservedPayment
// with `details`), and a refund made through the service as the refunds table keeps it.

let db: TestDb;
let h: Harness;

const details = (d: Record<string, unknown>) => ({ ...NO_PAYMENT_DETAILS, ...d });

async function store(id: string, name: string, zone: string, locale: string) {
  await db.prisma.store.create({
    data: {
      externalId: id,
      mercadopagoId: `mp-${id}`,
      name,
      location: {},
      requestHash: "h",
      timeZone: zone,
      locale,
    },
  });
}

async function pos(id: string, storeId: string, name: string) {
  await db.prisma.pos.create({
    data: { externalId: id, storeExternalId: storeId, mercadopagoId: 1, name, requestHash: "h" },
  });
}

interface SaleRow {
  ref: string;
  store: string;
  pos: string;
  status: string;
  currency: string;
  items: unknown[];
  taxes?: unknown[];
  total: number;
  paid: number;
  refunded?: number;
  payments: unknown[];
  paidAt: string | null;
}

async function sale(r: SaleRow): Promise<string> {
  const rows = await db.prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO sales (external_reference, store_id, pos_id, title, description, items, taxes,
                       total_cents, status, paid_cents, refunded_cents, payments, currency,
                       request_hash, expires_at, order_state, paid_at, created_at, updated_at)
    VALUES (${r.ref}, ${r.store}, ${r.pos}, 'x', '', ${JSON.stringify(r.items)}::jsonb,
            ${r.taxes ? JSON.stringify(r.taxes) : null}::jsonb, ${r.total}, ${r.status}, ${r.paid},
            ${r.refunded ?? 0}, ${JSON.stringify(r.payments)}::jsonb, ${r.currency}, 'h', now(),
            'withdrawn', ${r.paidAt}::timestamptz, now(), now())
    RETURNING id`;
  return rows[0]!.id;
}

const item = (title: string, unitPriceCents: number, quantity: number) => ({
  title,
  unitPriceCents,
  quantity,
  unitMeasure: "unit",
});

beforeAll(async () => {
  db = await createTestDb({ timezone: "Asia/Tokyo" });
  h = buildHarness(db, { posApiKeys: ["pos-other-key-0123456789@OTHER/OTHERPOS"] });
  await store("BAIRES", "Café del Centro", "America/Argentina/Buenos_Aires", "es");
  await pos("BAIRESPOS1", "BAIRES", "Caja 1");
  await store("SAMPA", "Padaria Paulista", "America/Sao_Paulo", "pt-BR");
  await pos("SAMPAPOS1", "SAMPA", "Caixa 1");

  // 23:59 in Buenos Aires on 5 December (02:59 UTC on the 6th)
  const es = await sale({
    ref: "rcpt-es-1",
    store: "BAIRES",
    pos: "BAIRESPOS1",
    status: "paid",
    currency: "ARS",
    items: [item("Café con leche", 250_000, 2), item("Medialuna de manteca", 120_000, 1)],
    total: 620_000,
    paid: 620_000,
    refunded: 100_000,
    paidAt: "2026-12-06T02:59:00Z",
    payments: [
      { id: 90001, status: "rejected", amount: 6200 },
      {
        id: 90002,
        status: "approved",
        amount: 6200,
        refunded: 1000,
        details: details({
          method: "visa",
          type: "credit_card",
          installments: 3,
          cardLastFour: "4242",
          authorizationCode: "301299",
          fee: 248,
          net: 5952,
        }),
      },
    ],
  });
  await db.prisma.$executeRaw`
    INSERT INTO refunds (sale_id, amount_cents, refunded_cents, status, created_at, updated_at)
    VALUES (${es}::uuid, 100000, 100000, 'done', '2026-12-06T13:00:00Z', '2026-12-06T13:05:00Z')`;

  await sale({
    ref: "rcpt-pt-1",
    store: "SAMPA",
    pos: "SAMPAPOS1",
    status: "paid",
    currency: "BRL",
    items: [item("Pão de queijo", 850, 3)],
    total: 2550,
    paid: 2550,
    paidAt: "2026-12-05T12:30:00Z",
    payments: [
      {
        id: "PAY01JQ",
        status: "approved",
        amount: 25.5,
        details: details({ method: "pix", type: "bank_transfer" }),
      },
    ],
  });

  // a sale stored before payment details were kept: every detail unknown
  await sale({
    ref: "rcpt-old",
    store: "BAIRES",
    pos: "BAIRESPOS1",
    status: "paid",
    currency: "ARS",
    items: [item("Agua", 100_000, 1)],
    total: 100_000,
    paid: 100_000,
    paidAt: "2026-12-05T15:00:00Z",
    payments: [{ id: 90003, status: "approved", amount: 1000 }],
  });

  await sale({
    ref: "rcpt-pending",
    store: "BAIRES",
    pos: "BAIRESPOS1",
    status: "pending",
    currency: "ARS",
    items: [item("Agua", 100_000, 1)],
    total: 100_000,
    paid: 0,
    paidAt: null,
    payments: [],
  });
});

afterAll(async () => {
  await db?.drop();
});

const receipt = (ref: string, accept: string, query = "") =>
  request(h.app).get(`/orders/${ref}/receipt${query}`).set(auth).set("Accept", accept);

const binary = (r: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  r.on("data", (c: Buffer) => chunks.push(c));
  r.on("end", () => cb(null, Buffer.concat(chunks)));
};

const ES_RECEIPT = `             Café del Centro
           Caja 1 (BAIRESPOS1)
------------------------------------------
Fecha                    05/12/2026, 23:59
Venta                            rcpt-es-1
------------------------------------------
2 x Café con leche              $ 5.000,00
  $ 2.500,00 c/u
1 x Medialuna de manteca        $ 1.200,00
------------------------------------------
TOTAL                           $ 6.200,00
------------------------------------------
VISA · Tarjeta de crédito       $ 6.200,00
  Tarjeta terminada en 4242
  3 cuotas
  Autorización 301299
  Operación de Mercado Pago 90002
------------------------------------------
Devolución 06/12/2026, 10:05   -$ 1.000,00
Reembolsado                    -$ 1.000,00
------------------------------------------
          Gracias por su compra
          No válido como factura
`;

const PT_RECEIPT = `             Padaria Paulista
           Caixa 1 (SAMPAPOS1)
------------------------------------------
Data                     05/12/2026, 09:30
Venda                            rcpt-pt-1
------------------------------------------
3 x Pão de queijo                 R$ 25,50
  R$ 8,50 cada
------------------------------------------
TOTAL                             R$ 25,50
------------------------------------------
PIX · Transferência bancária      R$ 25,50
  Operação do Mercado Pago PAY01JQ
------------------------------------------
         Obrigado pela sua compra
          Não é documento fiscal
`;

describe("GET /orders/:ref/receipt as a 42-column till text", () => {
  it("in Spanish, pesos and Buenos Aires time: the store's, for a sale paid at 23:59 there", async () => {
    const res = await receipt("rcpt-es-1", "text/plain");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.text).toBe(ES_RECEIPT);
    for (const line of res.text.split("\n")) expect([...line].length).toBeLessThanOrEqual(42);
  });

  it("in Brazilian Portuguese and reais for a store in São Paulo", async () => {
    const res = await receipt("rcpt-pt-1", "text/plain");
    expect(res.status).toBe(200);
    expect(res.text).toBe(PT_RECEIPT);
  });

  it("?locale= overrides the store's language (the currency and zone stay the sale's)", async () => {
    const res = await receipt("rcpt-pt-1", "text/plain", "?locale=es");
    expect(res.text).toContain("Fecha                    05/12/2026, 09:30");
    expect(res.text).toContain("Gracias por su compra");
    // Spanish in Brazil: ICU has no es-BR conventions of its own and writes "R$25.50"
    expect(res.text).toMatch(/TOTAL\s+R\$ ?25[.,]50/);
    const en = await receipt("rcpt-es-1", "text/plain", "?locale=en");
    expect(en.text).toContain("Thank you for your purchase");
    expect((await receipt("rcpt-es-1", "text/plain", "?locale=fr")).status).toBe(400);
  });

  it("an older sale, stored without payment details, still has a receipt", async () => {
    const res = await receipt("rcpt-old", "text/plain");
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/\nPago\s+\$ 1\.000,00\n {2}Operación de Mercado Pago 90003\n/);
    expect(res.text).not.toContain("Tarjeta");
  });
});

describe("GET /orders/:ref/receipt as an 80 mm PDF", () => {
  it.each([
    ["rcpt-es-1", /TOTAL\s+\$ 6\.200,00/, "Gracias por su compra"],
    ["rcpt-pt-1", /TOTAL\s+R\$ 25,50/, "Obrigado pela sua compra"],
  ])("%s: read back, it shows the total in the store's words", async (ref, total, thanks) => {
    const res = await receipt(ref, "application/pdf").buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    const pdf = res.body as Buffer;
    expect(pageWidthMm(pdf)).toBeCloseTo(80, 1);
    const text = await pdfText(pdf);
    expect(text).toMatch(total);
    expect(text).toContain(thanks);
  });
});

describe("GET /orders/:ref/receipt as JSON", () => {
  it("gives the receipt's fields: the payment's method, last four and authorization, the refunds", async () => {
    const res = await receipt("rcpt-es-1", "application/json");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      external_reference: "rcpt-es-1",
      status: "paid",
      locale: "es",
      currency: "ARS",
      time_zone: "America/Argentina/Buenos_Aires",
      store: { id: "BAIRES", name: "Café del Centro" },
      pos: { id: "BAIRESPOS1", name: "Caja 1" },
      date: "2026-12-06T02:59:00.000Z",
      items: [
        { title: "Café con leche", quantity: 2, unit_price: 2500, total_amount: 5000 },
        { title: "Medialuna de manteca", quantity: 1, unit_price: 1200, total_amount: 1200 },
      ],
      taxes: [],
      total_amount: 6200,
      paid_amount: 6200,
      refunded_amount: 1000,
      payments: [
        {
          id: "90002",
          status: "approved",
          amount: 6200,
          method: "visa",
          type: "credit_card",
          installments: 3,
          card_last_four: "4242",
          authorization_code: "301299",
        },
      ],
      refunds: [{ amount: 1000, at: "2026-12-06T13:05:00.000Z" }],
    });
  });
});

describe("GET /orders/:ref/receipt refusals", () => {
  it("409 conflict for a sale that is not paid", async () => {
    for (const accept of ["application/json", "text/plain", "application/pdf"]) {
      const res = await receipt("rcpt-pending", accept);
      expect(res.status, accept).toBe(409);
      expect(res.body.error.code).toBe("conflict");
      expect(res.body.error.message).toContain("pending");
    }
  });

  it("404 for an unknown sale, and for one outside a POS key's store", async () => {
    expect((await receipt("rcpt-nope", "text/plain")).status).toBe(404);
    const other = await request(h.app)
      .get("/orders/rcpt-es-1/receipt")
      .set({ Authorization: "Bearer pos-other-key-0123456789" });
    expect(other.status).toBe(404);
    expect((await request(h.app).get("/orders/rcpt-es-1/receipt")).status).toBe(401);
  });
});
