import { describe, expect, it } from "vitest";
import {
  findOrderRefund,
  findOurRefund,
  mercadoPagoIdempotencyKey,
  onlyProcessing,
  planRefund,
  refundOutcome,
  type RefundPart,
} from "../../src/refunds/refund.ts";

const part = (amountCents: number, knownRefundIds: number[] = []): RefundPart => ({
  paymentId: 1,
  amountCents,
  state: "sending",
  mpRefundId: null,
  knownRefundIds,
});

describe("planRefund", () => {
  it.each([
    ["one payment, partial", 200, [{ paymentId: 1, cents: 500 }], [[1, 200]]],
    [
      "first payment first",
      400,
      [
        { paymentId: 2, cents: 200 },
        { paymentId: 1, cents: 300 },
      ],
      [
        [1, 300],
        [2, 100],
      ],
    ],
    [
      "skips payments with nothing left",
      100,
      [
        { paymentId: 1, cents: 0 },
        { paymentId: 2, cents: 200 },
      ],
      [[2, 100]],
    ],
    [
      "exactly all",
      500,
      [
        { paymentId: 1, cents: 300 },
        { paymentId: 2, cents: 200 },
      ],
      [
        [1, 300],
        [2, 200],
      ],
    ],
  ])("%s", (_name, amount, payments, expected) => {
    const plan = planRefund(amount, payments);
    expect(plan?.map((p) => [p.paymentId, p.amountCents])).toEqual(expected);
    expect(plan?.every((p) => p.state === "planned")).toBe(true);
  });

  it("is null when the payments do not cover the amount", () => {
    expect(
      planRefund(501, [
        { paymentId: 1, cents: 300 },
        { paymentId: 2, cents: 200 },
      ]),
    ).toBeNull();
    expect(planRefund(1, [{ paymentId: 1, cents: -5 }])).toBeNull();
  });
});

describe("findOurRefund", () => {
  const listed = [
    { id: 10, amount: 2, status: "approved" },
    { id: 11, amount: 2, status: "approved" },
    { id: 12, amount: 1.5, status: "rejected" },
  ];
  it("a new refund for the amount, not known before and not claimed elsewhere", () => {
    expect(findOurRefund(part(200, [10]), listed, new Set())).toBe(11);
    expect(findOurRefund(part(200), listed, new Set([10]))).toBe(11);
    expect(findOurRefund(part(200, [10]), listed, new Set([11]))).toBeNull();
  });
  it("none for another amount or a refund that did not go through", () => {
    expect(findOurRefund(part(300), listed, new Set())).toBeNull();
    expect(findOurRefund(part(150), listed, new Set())).toBeNull();
  });
});

it("the X-Idempotency-Key is stable per sale, refund and payment", () => {
  const k = mercadoPagoIdempotencyKey("s", "r", 1);
  expect(k).toMatch(/^[0-9a-f]{64}$/);
  expect(mercadoPagoIdempotencyKey("s", "r", 1)).toBe(k);
  expect(mercadoPagoIdempotencyKey("s", "r", 2)).not.toBe(k);
  expect(mercadoPagoIdempotencyKey("s", "r2", 1)).not.toBe(k);
});

describe("refundOutcome: Mercado Pago's word for a refund", () => {
  it.each([
    ["approved", "done"],
    ["processed", "done"],
    [null, "done"],
    ["processing", "processing"],
    ["in_process", "processing"],
    ["pending", "processing"],
    ["authorization_requested", "processing"],
    ["a word nobody documented", "processing"],
    ["rejected", "failed"],
    ["cancelled", "failed"],
    ["canceled", "failed"],
    ["failed", "failed"],
  ] as const)("%s → %s", (status, outcome) => {
    expect(refundOutcome(status)).toBe(outcome);
  });
});

describe("onlyProcessing", () => {
  const withState = (...states: RefundPart["state"][]) =>
    states.map((state) => ({ ...part(100), state }));
  it("is true when every part still open waits on Mercado Pago", () => {
    expect(onlyProcessing(withState("done", "processing"))).toBe(true);
    expect(onlyProcessing(withState("processing", "unknown"))).toBe(false);
    expect(onlyProcessing(withState("done", "failed"))).toBe(false);
  });
});

describe("findOrderRefund", () => {
  const orderPart = (known: string[] = []): RefundPart => ({
    ...part(500),
    paymentId: 0,
    orderPaymentId: "PAY1",
    knownOrderRefundIds: known,
  });
  const shown = (id: string, amountCents = 500, paymentId = "PAY1") => ({
    id,
    paymentId,
    amountCents,
    status: "processing",
  });
  it("takes the new refund of the part's payment and amount", () => {
    expect(
      findOrderRefund(orderPart(["REF0"]), [shown("REF0"), shown("REF1")], new Set())?.id,
    ).toBe("REF1");
  });
  it("skips refunds claimed by another of ours, of another amount or payment", () => {
    const list = [shown("REF1"), shown("REF2", 400), shown("REF3", 500, "PAY2"), shown("REF4")];
    expect(findOrderRefund(orderPart(), list, new Set(["REF1"]))?.id).toBe("REF4");
    expect(findOrderRefund(orderPart(), [shown("REF2", 400)], new Set())).toBeNull();
  });
});
