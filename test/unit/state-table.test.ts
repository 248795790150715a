import { describe, expect, it } from "vitest";
import { observeMerchantOrder } from "../../src/mercadopago/instore-v2/merchant-order.ts";
import { MerchantOrderSchema } from "../../src/mercadopago/mercadopago.schemas.ts";
import { observeOrder } from "../../src/mercadopago/orders/order.ts";
import { OrderSchema } from "../../src/mercadopago/orders/orders.schemas.ts";
import type { SaleStatus } from "../../src/sales/sale-status.ts";
import { disputeToOpen } from "../../src/sales/disputes.ts";
import { decide } from "../../src/sales/settlement.ts";
import { merchantOrder } from "../helpers.ts";

// The state table of src/mercadopago/README.md, row by row: what decide() makes of each state
// Mercado Pago can show, for a pending sale (and a paid one where money goes back).

const REF = "ref-table";
const ORDER_ID = "ORD01K371WBFDS4MD9JG0K8ZMECBE";
const PAY_ID = "PAY01K371WBFDS4MD9JG0KCV6PRKQ";

function order(status: string, detail: string, payment: [string, string], refunds: unknown[] = []) {
  return observeOrder(
    OrderSchema.parse({
      id: ORDER_ID,
      external_reference: REF,
      total_amount: "5.00",
      status,
      status_detail: detail,
      transactions: {
        payments: [{ id: PAY_ID, amount: "5.00", status: payment[0], status_detail: payment[1] }],
        refunds,
      },
    }),
  );
}

function mo(status: "opened" | "closed" | "expired", payments: { status: string }[] = []) {
  return observeMerchantOrder(
    MerchantOrderSchema.parse(
      merchantOrder(
        30_000_000_001,
        REF,
        status,
        payments.map((p, i) => ({ id: i + 1, status: p.status, transaction_amount: 5 })),
      ),
    ),
  );
}

const facts = (api: "orders" | "instore_v2", status: SaleStatus, paidBy: string | null = null) => ({
  externalReference: REF,
  totalCents: 500,
  mercadopagoApi: api,
  status,
  paidBy,
});

const refund = (status: string) => ({
  id: "REF01",
  transaction_id: PAY_ID,
  amount: "5.00",
  status,
});

describe("the state table: Orders API, pending sale", () => {
  it.each([
    ["created/created", order("created", "created", ["created", "ready_to_process"]), null],
    ["processed/accredited", order("processed", "accredited", ["processed", "accredited"]), "paid"],
    ["processed/processed", order("processed", "processed", ["processed", "processed"]), "paid"],
    ["expired/expired", order("expired", "expired", ["expired", "expired"]), "expired"],
    [
      "canceled/canceled",
      order("canceled", "canceled", ["canceled", "canceled_by_api"]),
      "cancelled",
    ],
    ["action_required", order("action_required", "waiting", ["created", "ready_to_process"]), null],
    [
      "processing/in_process",
      order("processing", "in_process", ["processing", "in_process"]),
      null,
    ],
    ["failed", order("failed", "failed", ["failed", "rejected"]), null],
    ["at_terminal", order("at_terminal", "at_terminal", ["created", "ready_to_process"]), null],
    ["an unknown word", order("something_new", "x", ["created", "ready_to_process"]), null],
  ])("%s → %s", (_name, o, to) => {
    expect(decide(facts("orders", "pending"), [o]).to).toBe(to);
  });

  it("an expired or cancelled sale still ends paid when the order shows paid (paid wins)", () => {
    const paid = order("processed", "accredited", ["processed", "accredited"]);
    for (const from of ["expired", "cancelled", "failed"] as const) {
      expect(decide(facts("orders", from), [paid]).to).toBe("paid");
    }
    // and Mercado Pago's end of the order never moves a sale that is not pending
    const expired = order("expired", "expired", ["expired", "expired"]);
    expect(decide(facts("orders", "cancelled"), [expired]).to).toBeNull();
  });
});

describe("the state table: Orders API, payment in process and chargebacks", () => {
  it.each([
    [
      "processing/in_process",
      order("processing", "in_process", ["processing", "in_process"]),
      true,
    ],
    [
      "created/ready_to_process",
      order("created", "created", ["created", "ready_to_process"]),
      false,
    ],
    ["processed/accredited", order("processed", "accredited", ["processed", "accredited"]), false],
  ])("%s → payment_in_process %s", (_name, o, inProcess) => {
    expect(o.paymentInProcess).toBe(inProcess);
  });

  it("transactions.chargebacks on a paid order → stays paid, not a refund, disputed", () => {
    const o = observeOrder(
      OrderSchema.parse({
        id: ORDER_ID,
        external_reference: REF,
        total_amount: "5.00",
        status: "processed",
        status_detail: "accredited",
        transactions: {
          payments: [
            { id: PAY_ID, amount: "5.00", status: "processed", status_detail: "accredited" },
          ],
          chargebacks: [{ id: "CHB01", amount: "5.00", status: "pending" }],
        },
      }),
    );
    expect(o.refundedCents).toBe(0);
    expect(decide(facts("orders", "paid", ORDER_ID), [o]).to).toBeNull();
    const sale = { ...facts("orders", "paid", ORDER_ID), dispute: null };
    expect(disputeToOpen(sale, [o])?.dispute).toEqual({
      status: "pending",
      amountCents: 500,
      openedAt: null,
      paymentId: PAY_ID,
      chargebackId: "CHB01",
    });
  });
});

describe("the state table: Orders API refunds, paid sale", () => {
  const paidBy = ORDER_ID;
  it.each([
    ["processing", "processed", "accredited", null, 0],
    ["failed", "processed", "accredited", null, 0],
    ["rejected", "processed", "accredited", null, 0],
    ["cancelled", "processed", "accredited", null, 0],
    ["processed", "refunded", "refunded", "refunded", 500],
  ])("refund %s → %s", (rs, status, detail, to, cents) => {
    const o = order(status, detail, ["processed", "accredited"], [refund(rs)]);
    expect(o.refundedCents).toBe(cents);
    expect(decide(facts("orders", "paid", paidBy), [o]).to).toBe(to);
  });
});

describe("the state table: instore v2 merchant order, pending sale", () => {
  it.each([
    ["opened", mo("opened"), null],
    ["opened with a rejected payment", mo("opened", [{ status: "rejected" }]), null],
    ["closed, approved covers", mo("closed", [{ status: "approved" }]), "paid"],
    ["opened, payment in_process", mo("opened", [{ status: "in_process" }]), null],
    ["opened, payment pending", mo("opened", [{ status: "pending" }]), null],
    ["expired (cancelled: true)", mo("expired"), "expired"],
  ])("%s → %s", (_name, o, to) => {
    expect(decide(facts("instore_v2", "pending"), [o]).to).toBe(to);
  });

  it("an expired merchant order is marked as Mercado Pago ending it (the POS check is the service's)", () => {
    expect(decide(facts("instore_v2", "pending"), [mo("expired")]).endedUpstream).toBe(true);
  });

  it("a paid sale's payment refunded → refunded", () => {
    const o = mo("closed", [{ status: "refunded" }]);
    expect(decide(facts("instore_v2", "paid", o.id), [o]).to).toBe("refunded");
  });

  it("a paid sale's payment charged_back → stays paid, not a refund, disputed", () => {
    const o = mo("closed", [{ status: "charged_back" }]);
    expect(o.refundedCents).toBe(0);
    expect(decide(facts("instore_v2", "paid", o.id), [o]).to).toBeNull();
    const sale = { ...facts("instore_v2", "paid", o.id), dispute: null };
    expect(disputeToOpen(sale, [o])?.dispute).toMatchObject({
      status: "charged_back",
      amountCents: 500,
      paymentId: "1",
    });
    // a pending sale is not disputed (nothing was paid), nor one already disputed
    expect(disputeToOpen({ ...sale, status: "pending" }, [o])).toBeNull();
    const open = disputeToOpen(sale, [o])!.dispute;
    expect(disputeToOpen({ ...sale, dispute: open }, [o])).toBeNull();
    // the chargeback read by id later brings its own word, once; a bare status never overrides it
    const read = {
      ...o,
      chargebacks: [
        { id: "2001", paymentId: "1", amountCents: 500, status: "pending", openedAt: "2026-12-08" },
      ],
    };
    const update = disputeToOpen({ ...sale, dispute: open }, [read]);
    expect(update).toMatchObject({
      kind: "update",
      dispute: { status: "pending", chargebackId: "2001" },
    });
    expect(disputeToOpen({ ...sale, dispute: update!.dispute }, [read])).toBeNull();
    expect(disputeToOpen({ ...sale, dispute: update!.dispute }, [o])).toBeNull();
  });

  it.each([
    ["in_process", [{ status: "in_process" }], true],
    ["pending", [{ status: "pending" }], true],
    ["rejected", [{ status: "rejected" }], false],
    [
      "in_process beside an approved one",
      [{ status: "in_process" }, { status: "approved" }],
      false,
    ],
  ])("payment %s → payment_in_process %s", (_name, payments, inProcess) => {
    expect(mo("opened", payments).paymentInProcess).toBe(inProcess);
  });
});
