import { describe, expect, it } from "vitest";
import {
  discrepancyKey,
  matchDay,
  type LedgerPayment,
  type RecordedSale,
} from "../../src/reconciliation/match.ts";

const sale = (over: Partial<RecordedSale> = {}): RecordedSale => ({
  externalReference: "sale-1",
  status: "paid",
  totalCents: 1000,
  paidCents: 1000,
  refundedCents: 0,
  payments: [{ id: 111, status: "approved", amount: 10 }],
  ...over,
});
const paid = (over: Partial<LedgerPayment> = {}): LedgerPayment => ({
  id: "111",
  externalReference: "sale-1",
  status: "approved",
  amountCents: 1000,
  refundedCents: 0,
  ...over,
});

const orderPayment = { id: "PAY01K371WBFDS4MD9JG0KCV6PRKQ", status: "processed", amount: 10 };

describe("matchDay", () => {
  const cases: {
    name: string;
    ledger: LedgerPayment[];
    daySales: RecordedSale[];
    otherSales?: RecordedSale[];
    kinds: string[];
  }[] = [
    { name: "a matching day", ledger: [paid()], daySales: [sale()], kinds: [] },
    { name: "an empty day", ledger: [], daySales: [], kinds: [] },
    {
      name: "a paid sale Mercado Pago does not list",
      ledger: [],
      daySales: [sale()],
      kinds: ["paid_here_not_there"],
    },
    {
      name: "a paid sale recorded without payment ids, listed by reference",
      ledger: [paid({ id: "999" })],
      daySales: [sale({ payments: [] })],
      kinds: [],
    },
    {
      name: "a paid sale recorded without payment ids, not listed",
      ledger: [],
      daySales: [sale({ payments: [] })],
      kinds: ["paid_here_not_there"],
    },
    // Orders API: the sale records the order's PAY… payment (status processed), the search
    // lists the payment by its numeric reference id: matched by external_reference
    {
      name: "an Orders API sale listed by its reference id",
      ledger: [paid({ id: "70000000001" })],
      daySales: [sale({ payments: [orderPayment] })],
      kinds: [],
    },
    {
      name: "an Orders API sale not listed",
      ledger: [paid({ id: "70000000001", externalReference: "sale-2" })],
      daySales: [sale({ payments: [orderPayment] })],
      kinds: ["paid_there_not_here", "paid_here_not_there"],
    },
    {
      name: "an Orders API sale refunded at Mercado Pago, not recorded",
      ledger: [paid({ id: "70000000001", status: "approved", refundedCents: 300 })],
      daySales: [sale({ payments: [orderPayment] })],
      kinds: ["refund_not_recorded"],
    },
    {
      name: "an Orders API sale refunded, recorded",
      ledger: [paid({ id: "70000000001", status: "refunded", refundedCents: 1000 })],
      daySales: [
        sale({
          status: "refunded",
          refundedCents: 1000,
          payments: [{ ...orderPayment, status: "refunded", refunded: 10 }],
        }),
      ],
      kinds: [],
    },
    {
      name: "a pending sale Mercado Pago has not heard of is fine",
      ledger: [],
      daySales: [sale({ status: "pending", paidCents: 0, payments: [] })],
      kinds: [],
    },
    {
      name: "an approved payment of a sale still pending here",
      ledger: [paid()],
      daySales: [sale({ status: "pending", paidCents: 0, payments: [] })],
      kinds: ["paid_there_not_here"],
    },
    {
      name: "an approved payment no sale names",
      ledger: [paid({ id: "222", externalReference: "nobody" })],
      daySales: [],
      kinds: ["paid_there_not_here"],
    },
    {
      name: "a rejected payment is no money",
      ledger: [paid({ id: "222", externalReference: "nobody", status: "rejected" })],
      daySales: [],
      kinds: [],
    },
    {
      name: "a payment of a sale of the day before is matched, not reported",
      ledger: [paid({ id: "333", externalReference: "sale-0" })],
      daySales: [],
      otherSales: [
        sale({
          externalReference: "sale-0",
          payments: [{ id: 333, status: "approved", amount: 10 }],
        }),
      ],
      kinds: [],
    },
    {
      name: "amounts differ",
      ledger: [paid({ amountCents: 1200 })],
      daySales: [sale()],
      kinds: ["amount_mismatch"],
    },
    {
      name: "a refund made at Mercado Pago only",
      ledger: [paid({ status: "refunded", refundedCents: 1000 })],
      daySales: [sale()],
      kinds: ["refund_not_recorded"],
    },
    {
      name: "a refund recorded here too",
      ledger: [paid({ status: "refunded", refundedCents: 1000 })],
      daySales: [
        sale({
          status: "refunded",
          refundedCents: 1000,
          payments: [{ id: 111, status: "refunded", amount: 10, refunded: 10 }],
        }),
      ],
      kinds: [],
    },
    {
      name: "a chargeback",
      ledger: [paid({ status: "charged_back" })],
      daySales: [sale()],
      kinds: ["chargeback"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const found = matchDay(c);
      expect(found.map((d) => d.kind)).toEqual(c.kinds);
    });
  }

  it("names the sale, the payment and the amount as decimals", () => {
    const [d] = matchDay({
      ledger: [paid({ status: "refunded", refundedCents: 450 })],
      daySales: [sale()],
    });
    expect(d).toMatchObject({
      kind: "refund_not_recorded",
      external_reference: "sale-1",
      payment_id: "111",
      amount: 4.5,
    });
    expect(d?.detail).toContain("111");
  });

  it("keys a discrepancy by kind, payment and reference", () => {
    const [a] = matchDay({ ledger: [], daySales: [sale()] });
    const [b] = matchDay({ ledger: [], daySales: [sale()] });
    expect(discrepancyKey(a!)).toBe(discrepancyKey(b!));
    expect(discrepancyKey(a!)).toBe("paid_here_not_there:111:sale-1");
  });
});
