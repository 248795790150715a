import { describe, expect, it } from "vitest";
import {
  fitsCurrency,
  isLocale,
  isSiteId,
  maxTotalCents,
  ordersApiAmount,
  profileOfCurrency,
  SITE_IDS,
  siteProfile,
} from "../../src/sites.ts";

describe("site profiles", () => {
  it.each([
    ["MLA", "ARS", 2, "America/Argentina/Buenos_Aires", "es", true],
    ["MLB", "BRL", 2, "America/Sao_Paulo", "pt-BR", true],
    ["MLM", "MXN", 2, "America/Mexico_City", "es", false],
    ["MLC", "CLP", 0, "America/Santiago", "es", true],
    ["MCO", "COP", 0, "America/Bogota", "es", false],
    ["MPE", "PEN", 2, "America/Lima", "es", true],
    ["MLU", "UYU", 2, "America/Montevideo", "es", true],
  ] as const)(
    "%s: %s with %i decimals, %s, %s, Orders API QR %s",
    (site, currency, decimals, zone, locale, orders) => {
      const p = siteProfile(site);
      expect(p).toMatchObject({
        site,
        currency,
        decimals,
        timeZone: zone,
        locale,
        ordersApiQr: orders,
      });
      expect(profileOfCurrency(currency)).toBe(p);
    },
  );

  it("every profile's zone is one the runtime knows, and every cap is a positive whole number", () => {
    for (const site of SITE_IDS) {
      const p = siteProfile(site);
      expect(() => new Intl.DateTimeFormat("en", { timeZone: p.timeZone })).not.toThrow();
      expect(Number.isSafeInteger(p.maxTotal) && p.maxTotal > 0).toBe(true);
    }
  });

  it("knows its ids and locales and nothing else", () => {
    expect(isSiteId("MLC")).toBe(true);
    expect(isSiteId("mlc")).toBe(false);
    expect(isSiteId("MLV")).toBe(false);
    expect(isLocale("pt-BR")).toBe(true);
    expect(isLocale("pt")).toBe(false);
    expect(profileOfCurrency("USD")).toBeUndefined();
  });
});

describe("money by currency", () => {
  const clp = siteProfile("MLC");
  const ars = siteProfile("MLA");

  it("a whole-unit currency takes only whole amounts; a two-decimal one takes cents", () => {
    expect(fitsCurrency(150_000, clp)).toBe(true); // 1500 pesos
    expect(fitsCurrency(250, clp)).toBe(false); // 2.50
    expect(fitsCurrency(250, ars)).toBe(true);
  });

  it("caps in cents of each currency", () => {
    expect(maxTotalCents(ars)).toBe(1_000_000_000);
    expect(maxTotalCents(siteProfile("MCO"))).toBe(4_000_000_000);
  });

  it("writes Orders API amounts with exactly the currency's decimals", () => {
    expect(ordersApiAmount(1250, ars)).toBe("12.50");
    expect(ordersApiAmount(5, ars)).toBe("0.05");
    expect(ordersApiAmount(100_000, ars)).toBe("1000.00");
    expect(ordersApiAmount(150_000, clp)).toBe("1500");
  });
});
