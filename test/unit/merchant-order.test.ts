import { describe, expect, it } from "vitest";
import { observeMerchantOrder } from "../../src/mercadopago/instore-v2/merchant-order.ts";
import {
  MerchantOrderSchema,
  type MerchantOrder,
} from "../../src/mercadopago/mercadopago.schemas.ts";
import type { SaleStatus } from "../../src/sales/sale-status.ts";
import { decide as decideOn, verdictOf } from "../../src/sales/settlement.ts";

const sale = { externalReference: "ref-1", totalCents: 500 };

/** The instore adapter's observation, judged by the one decision rule. */
function classifyMerchantOrder(m: MerchantOrder, s: typeof sale) {
  return verdictOf(observeMerchantOrder(m), { ...s, mercadopagoApi: "instore_v2" });
}

function decide(
  s: typeof sale & { status: SaleStatus; merchantOrderId: number | null },
  merchantOrders: MerchantOrder[],
) {
  const paidBy = s.merchantOrderId === null ? null : String(s.merchantOrderId);
  return decideOn(
    { ...s, mercadopagoApi: "instore_v2", paidBy },
    merchantOrders.map(observeMerchantOrder),
  );
}

function mo(fields: Record<string, unknown>) {
  return MerchantOrderSchema.parse({
    id: 1,
    status: "opened",
    external_reference: "ref-1",
    total_amount: 5,
    payments: [],
    ...fields,
  });
}
const pay = (status: string, transaction_amount: number, id = 1) => ({
  id,
  status,
  transaction_amount,
});

describe("classifyMerchantOrder", () => {
  it.each([
    ["closed, approved covers total", { status: "closed", payments: [pay("approved", 5)] }, "paid"],
    ["closed, approved above total", { status: "closed", payments: [pay("approved", 6)] }, "paid"],
    [
      "closed, two approved payments add up",
      { status: "closed", payments: [pay("approved", 2.5), pay("approved", 2.5, 2)] },
      "paid",
    ],
    [
      "closed but approved short by a cent",
      { status: "closed", payments: [pay("approved", 4.99)] },
      "open",
    ],
    ["closed with only pending money", { status: "closed", payments: [pay("pending", 5)] }, "open"],
    [
      "closed with in_mediation money",
      { status: "closed", payments: [pay("in_mediation", 5)] },
      "open",
    ],
    [
      "opened with approved covering (not closed yet)",
      { status: "opened", payments: [pay("approved", 5)] },
      "open",
    ],
    ["opened, nothing paid", { status: "opened" }, "open"],
    ["opened, rejected payment", { status: "opened", payments: [pay("rejected", 5)] }, "open"],
    ["expired", { status: "expired", cancelled: true }, "expired"],
    ["cancelled flag", { status: "opened", cancelled: true }, "expired"],
    [
      "reverted after refund",
      { status: "closed", order_status: "reverted", payments: [pay("refunded", 5)] },
      "reverted",
    ],
    ["charged back", { status: "closed", payments: [pay("charged_back", 5)] }, "reverted"],
    [
      "other external_reference",
      { status: "closed", external_reference: "ref-2", payments: [pay("approved", 5)] },
      "foreign",
    ],
    [
      "numeric external_reference of another sale",
      { status: "closed", external_reference: 12345, payments: [pay("approved", 5)] },
      "foreign",
    ],
    [
      "missing external_reference",
      { status: "closed", external_reference: null, payments: [pay("approved", 5)] },
      "foreign",
    ],
    [
      "amounts as strings",
      { status: "closed", payments: [{ id: "9", status: "approved", transaction_amount: "5.00" }] },
      "paid",
    ],
    ["payments null", { status: "closed", payments: null }, "open"],
  ])("%s → %s", (_name, fields, verdict) => {
    expect(classifyMerchantOrder(mo(fields), sale)).toBe(verdict);
  });

  it("compares against our total, not Mercado Pago's total_amount", () => {
    const tampered = mo({ status: "closed", total_amount: 1, payments: [pay("approved", 1)] });
    expect(classifyMerchantOrder(tampered, sale)).toBe("open");
  });
});

describe("an instore merchant order read from another API's point of view", () => {
  it("never speaks for a sale published on the Orders API", () => {
    const closed = mo({ status: "closed", payments: [pay("approved", 5)] });
    expect(verdictOf(observeMerchantOrder(closed), { ...sale, mercadopagoApi: "orders" })).toBe(
      "foreign",
    );
  });
});

describe("decide", () => {
  const pending = { ...sale, status: "pending" as const, merchantOrderId: null };

  it("any paid merchant order among several pays the sale", () => {
    const d = decide(pending, [
      mo({ id: 1, status: "opened" }),
      mo({ id: 2, status: "closed", payments: [pay("approved", 5)] }),
    ]);
    expect(d.to).toBe("paid");
    expect(d.observation?.id).toBe("2");
    expect(d.observation?.paidCents).toBe(500);
  });

  it("no merchant orders: nothing to do", () => {
    expect(decide(pending, [])).toEqual({ to: null, observation: null });
  });

  it("opened only: stays pending, observed", () => {
    const d = decide(pending, [mo({ id: 7, status: "opened" })]);
    expect(d.to).toBeNull();
    expect(d.observation?.status).toBe("opened");
  });

  it("a paid sale is not moved by an opened order", () => {
    const paid = { ...sale, status: "paid" as const, merchantOrderId: 2 };
    expect(decide(paid, [mo({ id: 2, status: "opened" })])).toEqual({
      to: null,
      observation: null,
    });
  });

  it("a paid sale is refunded only when the order that paid it is reverted", () => {
    const paid = { ...sale, status: "paid" as const, merchantOrderId: 2 };
    const reverted = mo({
      id: 2,
      status: "closed",
      order_status: "reverted",
      payments: [pay("refunded", 5)],
    });
    expect(decide(paid, [reverted]).to).toBe("refunded");
    const otherReverted = mo({
      id: 3,
      status: "closed",
      order_status: "reverted",
      payments: [pay("refunded", 5)],
    });
    expect(decide(paid, [otherReverted]).to).toBeNull();
  });

  it("a paid sale with one of two payments refunded stays paid, with the refunded cents", () => {
    const paid = { ...sale, status: "paid" as const, merchantOrderId: 2 };
    const half = mo({
      id: 2,
      status: "closed",
      order_status: "partially_reverted",
      payments: [pay("refunded", 3), pay("approved", 2)],
    });
    const d = decide(paid, [half]);
    expect(d.to).toBeNull();
    expect(d.observation).toMatchObject({ paidCents: 500, refundedCents: 300 });
    const partial = mo({
      id: 2,
      status: "closed",
      payments: [{ ...pay("approved", 5), amount_refunded: 1.5 }],
    });
    expect(decide(paid, [partial])).toMatchObject({
      to: null,
      observation: { paidCents: 500, refundedCents: 150 },
    });
    const all = mo({
      id: 2,
      status: "closed",
      payments: [pay("refunded", 3), { ...pay("approved", 2), amount_refunded: 2 }],
    });
    expect(decide(paid, [all]).to).toBe("refunded");
  });

  it("a cancelled sale that Mercado Pago shows paid becomes paid (late payment is not lost)", () => {
    const cancelled = { ...sale, status: "cancelled" as const, merchantOrderId: null };
    expect(decide(cancelled, [mo({ status: "closed", payments: [pay("approved", 5)] })]).to).toBe(
      "paid",
    );
  });

  it("a paid sale stays paid when told again it is paid (no second transition)", () => {
    const paid = { ...sale, status: "paid" as const, merchantOrderId: 1 };
    expect(decide(paid, [mo({ status: "closed", payments: [pay("approved", 5)] })]).to).toBeNull();
  });
});
