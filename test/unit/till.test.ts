import { describe, expect, it } from "vitest";
import { closeOfDay, type CloseSaleRow } from "../../src/closeout/close-of-day.ts";
import { center, row, tillText, wrap } from "../../src/closeout/till-layout.ts";
import { tillWords } from "../../src/closeout/till-words.ts";

// The pure parts of the receipt and the close: the till's columns, money as each market writes
// it (whole pesos in Chile and Colombia), and the day's sums.

describe("the till's 42 columns", () => {
  it("wraps at spaces, breaks a word longer than a line, and keeps amounts flush right", () => {
    expect(wrap("a b c", 3)).toEqual(["a b", "c"]);
    expect(wrap("abcdefgh", 3)).toEqual(["abc", "def", "gh"]);
    expect(row("Total", "$ 1,00", 20)).toEqual(["Total         $ 1,00"]);
    // a long left side wraps above the amount
    expect(row("Café con leche y medialunas", "$ 9", 16)).toEqual([
      "Café con leche y",
      "medialunas   $ 9",
    ]);
    expect(row("abcdefghij", "$ 99,00", 12)).toEqual(["abcdefghij", "     $ 99,00"]);
    expect(center("ab", 6)).toEqual(["  ab"]);
    expect(tillText([{ text: "a  " }, { text: "b" }])).toBe("a\nb\n");
  });
});

describe("money and dates as a till prints them", () => {
  const words = (currency: string, locale: "es" | "pt-BR" | "en" = "es") =>
    tillWords({ locale, currency, site: "MLA", timeZone: "America/Santiago" });

  it.each([
    ["ARS", "es", 123_456, "$ 1.234,56"],
    ["BRL", "pt-BR", 123_456, "R$ 1.234,56"],
    ["CLP", "es", 150_000, "$1.500"],
    ["COP", "es", 150_000, "$ 1.500"],
    ["UYU", "es", 5_050, "$ 50,50"],
  ] as const)("%s in %s: %i cents → %s (plain spaces)", (currency, locale, cents, text) => {
    expect(words(currency, locale).money(cents)).toBe(text);
  });

  it("dates in the store's zone, whatever the server's", () => {
    // 02:59 UTC on the 6th is 23:59 on the 5th in Santiago's summer (UTC-3)
    expect(words("CLP").dateTime(new Date("2026-12-06T02:59:00Z"))).toBe("05-12-2026, 23:59");
  });
});

describe("closeOfDay (pure)", () => {
  const day = { start: new Date("2026-12-05T03:00:00Z"), end: new Date("2026-12-06T03:00:00Z") };
  const sale = (over: Partial<CloseSaleRow>): CloseSaleRow => ({
    externalReference: "r",
    posId: "P1",
    status: "paid",
    totalCents: 1000,
    paidCents: 1000,
    refundedCents: 0,
    currency: "ARS",
    payments: [],
    createdAt: new Date("2026-12-05T12:00:00Z"),
    ...over,
  });

  it("counts only paid (or refunded) sales' money, and puts payments it cannot see under unknown", () => {
    const c = closeOfDay(
      [
        sale({ status: "pending", paidCents: 0 }),
        // a paid sale whose stored payments show part of what it took
        sale({ paidCents: 1000, payments: [{ id: 1, status: "approved", amount: 4 }] }),
      ],
      [],
      day,
    );
    expect(c.salesCount).toBe(2);
    expect(c.count).toBe(1);
    expect(c.grossCents).toBe(1000);
    expect(c.byMethod).toEqual({ unknown: { count: 1, amountCents: 1000 } });
    expect(c.netCents).toBe(1000);
  });

  it("a malformed dispute is left out rather than breaking the day", () => {
    const c = closeOfDay(
      [],
      [
        { externalReference: "a", posId: "P", createdAt: day.start, dispute: "nonsense" },
        { externalReference: "b", posId: "P", createdAt: day.start, dispute: { status: 1 } },
      ],
      day,
    );
    expect(c.disputes.map((d) => [d.externalReference, d.status, d.amountCents])).toEqual([
      ["b", null, 0],
    ]);
  });
});
