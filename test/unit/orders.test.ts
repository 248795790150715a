import { describe, expect, it } from "vitest";
import {
  createIdempotencyKey,
  isoDuration,
  observeOrder,
  orderAmount,
  orderBody,
  orderProblems,
} from "../../src/mercadopago/orders/order.ts";
import { OrderSchema } from "../../src/mercadopago/orders/orders.schemas.ts";
import { decide, verdictOf } from "../../src/sales/settlement.ts";

const sale = { externalReference: "ref-1", totalCents: 500, mercadopagoApi: "orders" as const };

function order(fields: Record<string, unknown>) {
  return OrderSchema.parse({
    id: "ORD01K371WBFDS4MD9JG0K8ZMECBE",
    type: "qr",
    external_reference: "ref-1",
    total_amount: "5.00",
    status: "created",
    status_detail: "created",
    ...fields,
  });
}
const pay = (status: string, status_detail: string, amount = "5.00", extra = {}) => ({
  transactions: {
    payments: [{ id: "PAY01K371WBFDS4MD9JG0KCV6PRKQ", amount, status, status_detail, ...extra }],
  },
});
const paid = { status: "processed", status_detail: "accredited" };

describe("an Orders API order, judged for a sale", () => {
  it.each([
    ["created, payment ready", { ...pay("created", "ready_to_process") }, "open"],
    ["processed/accredited, covers", { ...paid, ...pay("processed", "accredited") }, "paid"],
    [
      "processed/processed (the status table's wording)",
      { status: "processed", status_detail: "processed", ...pay("processed", "processed") },
      "paid",
    ],
    [
      "processed, amounts as numbers",
      { ...paid, ...pay("processed", "accredited", 5 as unknown as string) },
      "paid",
    ],
    ["processed, short by a cent", { ...paid, ...pay("processed", "accredited", "4.99") }, "open"],
    [
      "processed, but the buyer paid less than the amount",
      { ...paid, ...pay("processed", "accredited", "5.00", { paid_amount: "4.00" }) },
      "open",
    ],
    [
      "processed without a status_detail (not read as paid)",
      { status: "processed", ...pay("processed", "accredited") },
      "open",
    ],
    [
      "order processed, payment not accredited",
      { ...paid, ...pay("processed", "in_process") },
      "open",
    ],
    ["payment accredited, order still created", { ...pay("processed", "accredited") }, "open"],
    [
      "expired",
      { status: "expired", status_detail: "expired", ...pay("expired", "expired") },
      "expired",
    ],
    [
      "canceled",
      { status: "canceled", status_detail: "canceled", ...pay("canceled", "canceled_by_api") },
      "cancelled",
    ],
    [
      "refunded",
      { status: "refunded", status_detail: "refunded", ...pay("refunded", "refunded") },
      "reverted",
    ],
    [
      "another sale's",
      { ...paid, external_reference: "ref-2", ...pay("processed", "accredited") },
      "foreign",
    ],
    [
      "no reference",
      { ...paid, external_reference: null, ...pay("processed", "accredited") },
      "foreign",
    ],
    ["no transactions at all", { ...paid }, "open"],
    ["an unknown status", { status: "action_required", status_detail: "x" }, "open"],
  ])("%s", (_name, fields, verdict) => {
    expect(verdictOf(observeOrder(order(fields)), sale)).toBe(verdict);
  });

  it("a paid order never speaks for a sale published on instore orders v2", () => {
    const o = observeOrder(order({ ...paid, ...pay("processed", "accredited") }));
    expect(verdictOf(o, { ...sale, mercadopagoApi: "instore_v2" })).toBe("foreign");
  });

  it("compares against our total, not the order's total_amount", () => {
    const tampered = order({
      ...paid,
      total_amount: "1.00",
      ...pay("processed", "accredited", "1.00"),
    });
    expect(verdictOf(observeOrder(tampered), sale)).toBe("open");
  });
});

describe("money given back on an order", () => {
  const refund = (
    amount: string,
    status = "processed",
    transaction_id = "PAY01K371WBFDS4MD9JG0KCV6PRKQ",
  ) => ({
    id: `REF${amount}`,
    transaction_id,
    amount,
    status,
  });
  const withRefunds = (fields: Record<string, unknown>, refunds: unknown[]) => {
    const base = { ...paid, ...pay("processed", "accredited"), ...fields };
    return order({
      ...base,
      transactions: { ...(base.transactions as object), refunds },
    });
  };

  it.each([
    ["none", {}, [], 0],
    ["a partial refund processed", { status_detail: "partially_refunded" }, [refund("2.00")], 200],
    ["a refund still processing is not money back yet", {}, [refund("2.00", "processing")], 0],
    [
      "two partial refunds",
      { status_detail: "partially_refunded" },
      [refund("2.00"), refund("1.50")],
      350,
    ],
    ["the order refunded: all of it", { status: "refunded", status_detail: "refunded" }, [], 500],
    ["never more than was collected", {}, [refund("9.00")], 500],
  ])("%s", (_name, fields, refunds, cents) => {
    const o = observeOrder(withRefunds(fields, refunds));
    expect(o.refundedCents).toBe(cents);
    expect(o.paidCents).toBe(500);
  });

  it("a paid sale becomes refunded once all of its order's money is back, and not before", () => {
    const paidSale = { ...sale, status: "paid" as const, paidBy: "ORD01K371WBFDS4MD9JG0K8ZMECBE" };
    const partial = observeOrder(
      withRefunds({ status_detail: "partially_refunded" }, [refund("2.00")]),
    );
    expect(decide(paidSale, [partial])).toMatchObject({
      to: null,
      observation: { refundedCents: 200 },
    });
    const all = observeOrder(
      withRefunds({ status: "refunded", status_detail: "refunded" }, [refund("5.00")]),
    );
    expect(decide(paidSale, [all]).to).toBe("refunded");
    const other = { ...all, id: "ORD01K371WBFDS4MD9JG0K8ZMEOTH" };
    expect(decide(paidSale, [other]).to).toBeNull();
  });
});

describe("the create body", () => {
  const req = {
    externalReference: "ref-1",
    storeId: "SUC001",
    posId: "SUC001POS001",
    title: "Sale ref-1",
    description: "Venta caja 1",
    items: [
      { title: "Coffee", unitPriceCents: 250, quantity: 2, unitMeasure: "unit", skuNumber: "777" },
      { title: "Tea", unitPriceCents: 5, quantity: 1, unitMeasure: "pack", category: "drinks" },
    ],
    taxes: null,
    totalCents: 505,
    expiresAt: new Date("2026-11-28T12:10:00Z"),
    createdAt: new Date("2026-11-28T12:00:00Z"),
  };

  it("has string amounts with two decimals, an ISO duration, the POS, the mode and the sponsor", () => {
    expect(orderBody(req, { mode: "hybrid", ttlSeconds: 600, sponsorId: "446566691" })).toEqual({
      type: "qr",
      external_reference: "ref-1",
      description: "Venta caja 1",
      total_amount: "5.05",
      expiration_time: "PT10M",
      config: { qr: { external_pos_id: "SUC001POS001", mode: "hybrid" } },
      transactions: { payments: [{ amount: "5.05" }] },
      items: [
        {
          title: "Coffee",
          unit_price: "2.50",
          quantity: 2,
          unit_measure: "unit",
          external_code: "777",
        },
        {
          title: "Tea",
          unit_price: "0.05",
          quantity: 1,
          unit_measure: "pack",
          external_categories: [{ id: "drinks" }],
        },
      ],
      integration_data: { sponsor: { id: "446566691" } },
    });
  });

  it("sends no integration_data without a sponsor", () => {
    expect(
      orderBody(req, { mode: "static", ttlSeconds: 600, sponsorId: undefined }),
    ).not.toHaveProperty("integration_data");
  });

  it.each([
    [100, "1.00"],
    [5, "0.05"],
    [123456789, "1234567.89"],
    [10, "0.10"],
  ])("%d cents → %s", (cents, text) => expect(orderAmount(cents)).toBe(text));

  it.each([
    [30, "PT30S"],
    [600, "PT10M"],
    [3600, "PT1H"],
    [3661, "PT1H1M1S"],
    [86_400, "PT24H"],
  ])("%d s → %s", (s, text) => expect(isoDuration(s)).toBe(text));

  it("derives the same idempotency key from the same sale, another from another", () => {
    const key = createIdempotencyKey(req);
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(createIdempotencyKey({ ...req })).toBe(key);
    expect(createIdempotencyKey({ ...req, externalReference: "ref-2" })).not.toBe(key);
  });
});

describe("the Orders API's limits", () => {
  const item = { title: "Coffee", unitPriceCents: 250, quantity: 1, unitMeasure: "unit" };
  const ok = { description: "Sale", items: [item], taxes: null };

  it("accepts a sale within them", () => expect(orderProblems(ok)).toEqual([]));
  it("accepts exactly 10 items and 150-character titles", () =>
    expect(
      orderProblems({
        ...ok,
        items: Array.from({ length: 10 }, () => ({ ...item, title: "x".repeat(150) })),
      }),
    ).toEqual([]));
  it.each([
    ["11 items", { items: Array.from({ length: 11 }, () => item) }, "items"],
    ["a 151-character title", { items: [{ ...item, title: "x".repeat(151) }] }, "items.0.title"],
    ["a 151-character description", { description: "d".repeat(151) }, "description"],
    [
      "a 31-character sku",
      { items: [{ ...item, skuNumber: "s".repeat(31) }] },
      "items.0.sku_number",
    ],
    ["taxes", { taxes: [{ type: "IVA", valueCents: 100 }] }, "taxes"],
  ])("refuses %s", (_name, fields, path) => {
    const problems = orderProblems({ ...ok, ...fields });
    expect(problems.map((p) => p.path)).toEqual([path]);
    expect(problems[0]?.message).toMatch(/Orders API/);
  });
});
