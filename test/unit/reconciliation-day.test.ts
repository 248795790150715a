import { describe, expect, it } from "vitest";
import { dayOwed } from "../../src/reconciliation/day-due.ts";

// Which day the daily reconciliation owes a store: its previous local day once its clock has
// passed RECONCILE_DAY_AT, whatever the server's zone.

describe("dayOwed", () => {
  const cases: [string, string, string, string][] = [
    // instant (UTC), zone, RECONCILE_DAY_AT, the day owed
    ["2026-12-07T06:00:00Z", "America/Argentina/Buenos_Aires", "03:00", "2026-12-06"], // 03:00 local
    ["2026-12-07T05:59:00Z", "America/Argentina/Buenos_Aires", "03:00", "2026-12-05"], // 02:59 local
    ["2026-12-07T02:30:00Z", "America/Argentina/Buenos_Aires", "03:00", "2026-12-05"], // 23:30 of the 6th
    ["2026-12-06T18:30:00Z", "Asia/Tokyo", "03:00", "2026-12-06"], // 03:30 on the 7th in Tokyo
    ["2026-12-07T00:00:00Z", "UTC", "00:00", "2026-12-06"],
    ["2026-03-01T03:00:00Z", "UTC", "03:00", "2026-02-28"], // across a month
    ["2027-01-01T08:00:00Z", "America/Mexico_City", "01:30", "2026-12-31"], // across a year
  ];
  it.each(cases)("at %s in %s after %s owes %s", (at, zone, dayAt, day) => {
    expect(dayOwed(new Date(at), zone, dayAt)).toBe(day);
  });
});
