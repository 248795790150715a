import { describe, expect, it } from "vitest";
import {
  findOurRefund,
  mercadoPagoIdempotencyKey,
  planRefund,
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
