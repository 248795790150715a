import { describe, expect, it } from "vitest";
import { marketplaceFeeCents, orderBody } from "../../src/mercadopago/orders/order.ts";
import { routedOrdersUpstream } from "../../src/mercadopago/seller-routed.upstream.ts";
import type { MercadoPagoClient } from "../../src/mercadopago/mercadopago.client.ts";
import type { OrdersUpstream, PublishRequest } from "../../src/mercadopago/upstream.ts";

const sale: PublishRequest = {
  externalReference: "ref-1",
  storeId: "SUC1",
  posId: "POS1",
  title: "Sale",
  description: "Sale",
  items: [{ title: "Coffee", unitPriceCents: 1234, quantity: 1, unitMeasure: "unit" }],
  taxes: null,
  totalCents: 1234,
  expiresAt: new Date("2026-12-08T12:10:00Z"),
  createdAt: new Date("2026-12-08T12:00:00Z"),
};

describe("the marketplace fee (MP_MARKETPLACE_FEE_PERCENT)", () => {
  it("is the percent of the total, rounded half up to the currency's unit", () => {
    expect(marketplaceFeeCents(1234, 2.5)).toBe(31); // 30.85
    expect(marketplaceFeeCents(10_000, 10)).toBe(1000);
    expect(marketplaceFeeCents(1, 50)).toBe(1); // 0.5 → 1
    expect(marketplaceFeeCents(123_400, 2.5, 0)).toBe(3100); // CLP: whole pesos (30.85 → 31)
    expect(marketplaceFeeCents(1234, 0)).toBe(0);
  });

  it("is sent as the order's marketplace_fee only when given", () => {
    const base = { mode: "static" as const, ttlSeconds: 600, sponsorId: undefined };
    expect(orderBody(sale, base)).not.toHaveProperty("marketplace_fee");
    expect(orderBody(sale, { ...base, marketplaceFeePercent: 2.5 }).marketplace_fee).toBe("0.31");
  });

  it("goes only on merchants' orders, never on the default merchant's", async () => {
    const made: (string | null)[] = [];
    const fake = (merchantId: string | null) =>
      ({
        api: "orders",
        problems: () => [],
        publish: async () => {
          made.push(merchantId);
          return { orderId: null, paymentId: null, qrData: null };
        },
      }) as unknown as OrdersUpstream;
    const clients = new Map<string | null, MercadoPagoClient>([
      [null, {} as MercadoPagoClient],
      ["m1", {} as MercadoPagoClient],
    ]);
    const routed = routedOrdersUpstream(
      {
        merchantOfPos: async (pos) => (pos === "POS1" ? "m1" : null),
        merchantOfOrder: async () => null,
        clientFor: async (id) => clients.get(id)!,
      },
      (_mp, merchantId) => fake(merchantId),
      fake(null),
    );
    await routed.publish(sale);
    await routed.publish({ ...sale, posId: "OWN" });
    expect(made).toEqual(["m1", null]);
  });
});
