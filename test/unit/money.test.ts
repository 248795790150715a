import { describe, expect, it } from "vitest";
import { centsFromApi, fromCents, toCents } from "../../src/sales/money.ts";
import { totalCents } from "../../src/sales/sales.schemas.ts";

describe("toCents", () => {
  it.each([
    [2.5, 250],
    [0.1, 10],
    [0.07, 7],
    [1.15, 115],
    [19.99, 1999],
    [1234567.89, 123456789],
    [99_999_999.99, 9_999_999_999],
    [3000, 300000],
  ])("%s → %s cents", (amount, cents) => {
    expect(toCents(amount)).toBe(cents);
  });

  it.each([[1.005], [0.001], [2.555], [Number.NaN], [Infinity], [-Infinity]])(
    "%s has no exact cents → null",
    (amount) => {
      expect(toCents(amount)).toBeNull();
    },
  );
});

describe("totals in cents", () => {
  it("adds 0.1 three times to exactly 30 cents (no float drift)", () => {
    expect(totalCents([{ unit_price: 0.1, quantity: 3 }])).toBe(30);
    expect(0.1 * 3).not.toBe(0.3);
  });
  it("multiplies before adding", () => {
    expect(
      totalCents([
        { unit_price: 2.5, quantity: 2 },
        { unit_price: 0.15, quantity: 7 },
      ]),
    ).toBe(605);
  });
  it("round-trips through the Mercado Pago boundary", () => {
    for (const cents of [1, 7, 10, 99, 115, 530, 123456789]) {
      expect(centsFromApi(fromCents(cents))).toBe(cents);
    }
  });
});
