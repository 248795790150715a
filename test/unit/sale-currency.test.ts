import { describe, expect, it } from "vitest";
import { orderAmount, orderBody } from "../../src/mercadopago/orders/order.ts";
import { amountProblem, currencyProblems } from "../../src/sales/sale-currency.ts";
import { siteProfile } from "../../src/sites.ts";

const item = (unit_price: number, quantity = 1) => ({ unit_price, quantity });

describe("currencyProblems", () => {
  it("takes cents in the two-decimal currencies and refuses them in CLP and COP, naming both", () => {
    const sale = { items: [item(2.5, 2), item(10)], taxes: [{ value: 0.5 }] };
    expect(currencyProblems(sale, siteProfile("MLA"))).toEqual([]);
    expect(currencyProblems(sale, siteProfile("MLB"))).toEqual([]);
    expect(currencyProblems(sale, siteProfile("MCO"))).toEqual([
      { path: "items.0.unit_price", message: "must be a whole number: COP has no decimals" },
      { path: "taxes.0.value", message: "must be a whole number: COP has no decimals" },
    ]);
    expect(currencyProblems({ items: [item(1500, 3)] }, siteProfile("MLC"))).toEqual([]);
  });

  it.each([
    ["MLA", 10_000_000],
    ["MLB", 50_000],
    ["MLM", 200_000],
    ["MLC", 10_000_000],
    ["MCO", 40_000_000],
    ["MPE", 35_000],
    ["MLU", 400_000],
  ] as const)("caps %s's total at %d", (site, cap) => {
    const p = siteProfile(site);
    expect(currencyProblems({ items: [item(cap)] }, p)).toEqual([]);
    expect(currencyProblems({ items: [item(cap / 2, 2), item(1)] }, p)).toEqual([
      { path: "items", message: `total must be at most ${cap} ${p.currency}` },
    ]);
  });

  it("checks a refund's amount the same way", () => {
    expect(amountProblem(250, siteProfile("MLC"))).toBe(
      "must be a whole number: CLP has no decimals",
    );
    expect(amountProblem(300, siteProfile("MLC"))).toBeNull();
    expect(amountProblem(250, siteProfile("MLU"))).toBeNull();
  });
});

describe("Orders API amounts in the currency's decimals", () => {
  it("writes CLP and COP without decimals and the others with two", () => {
    expect(orderAmount(150000, 0)).toBe("1500");
    expect(orderAmount(1250)).toBe("12.50");
    const body = orderBody(
      {
        externalReference: "r1",
        storeId: "S",
        posId: "P",
        title: "t",
        description: "d",
        items: [{ title: "x", unitPriceCents: 150000, quantity: 2, unitMeasure: "unit" }],
        taxes: null,
        totalCents: 300000,
        expiresAt: new Date("2026-12-06T12:00:00Z"),
        createdAt: new Date("2026-12-06T11:50:00Z"),
      },
      { mode: "static", ttlSeconds: 600, sponsorId: undefined, decimals: 0 },
    );
    expect(body.total_amount).toBe("3000");
    expect(body.transactions.payments[0]?.amount).toBe("3000");
    expect(body.items?.[0]?.unit_price).toBe("1500");
  });
});
