import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { localDayBounds } from "../src/stores/store-day.ts";
import { auth, useHarness } from "./helpers.ts";

// A store's day (date=) is midnight to midnight in its time_zone, across a DST change and
// whatever the database's own zone (this file also runs in the tz-sao-paulo and tz-tokyo
// projects, whose databases are not in UTC).

const SANTIAGO = "America/Santiago";
const HOUR = 3600_000;

/** The UTC offset of a zone at an instant, in minutes, as Intl reads the IANA database. */
function offsetMinutes(instant: number, zone: string): number {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(new Date(instant))
    .find((p) => p.type === "timeZoneName")!.value; // "GMT-03:00" (or "GMT" at zero)
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The instants of 2026 at which the zone's offset changes (found hour by hour, then to the ms). */
function transitions2026(zone: string): { at: number; before: number; after: number }[] {
  const found: { at: number; before: number; after: number }[] = [];
  for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += HOUR) {
    const [before, after] = [offsetMinutes(t, zone), offsetMinutes(t + HOUR, zone)];
    if (before === after) continue;
    let [lo, hi] = [t, t + HOUR];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetMinutes(mid, zone) === before) lo = mid;
      else hi = mid;
    }
    found.push({ at: hi, before, after });
  }
  return found;
}

/** The local calendar date of an instant in a zone, YYYY-MM-DD. */
const localDate = (instant: number, zone: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date(instant));
/** The local wall time, HH:mm. */
const localTime = (instant: number, zone: string) =>
  new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit" }).format(
    new Date(instant),
  );

const changes = transitions2026(SANTIAGO);
// Chile leaves summer time in April (clocks back) and enters it in September (clocks forward)
const fallBack = changes.find((c) => c.after < c.before)!;
const springForward = changes.find((c) => c.after > c.before)!;

describe("the day of a store in America/Santiago (pure)", () => {
  it("finds Chile's two changes of 2026 in the IANA database Node carries", () => {
    expect(changes).toHaveLength(2);
    expect(fallBack.before - fallBack.after).toBe(60);
    expect(springForward.after - springForward.before).toBe(60);
    // both happen at local midnight: Saturday 24:00 becomes 23:00, or Sunday 01:00
    expect(localTime(fallBack.at - 1, SANTIAGO)).toBe("23:59");
    expect(localTime(fallBack.at, SANTIAGO)).toBe("23:00");
    expect(localTime(springForward.at - 1, SANTIAGO)).toBe("23:59");
    expect(localTime(springForward.at, SANTIAGO)).toBe("01:00");
  });

  it("the day the clocks go back has 25 hours, the day they go forward 23; others 24", () => {
    const longDay = localDate(fallBack.at, SANTIAGO); // the Saturday whose last hour repeats
    const shortDay = localDate(springForward.at, SANTIAGO); // the Sunday that starts at 01:00
    const length = (d: string) => {
      const { start, end } = localDayBounds(d, SANTIAGO);
      return (end.getTime() - start.getTime()) / HOUR;
    };
    expect(length(longDay)).toBe(25);
    expect(length(shortDay)).toBe(23);
    expect(length("2026-06-15")).toBe(24);
    expect(length("2026-12-15")).toBe(24);
    // the short day starts when its first minute does: 01:00, midnight never happened
    const { start } = localDayBounds(shortDay, SANTIAGO);
    expect(start.getTime()).toBe(springForward.at);
    expect(localTime(start.getTime(), SANTIAGO)).toBe("01:00");
    // consecutive days meet exactly
    expect(localDayBounds(longDay, SANTIAGO).end).toEqual(
      localDayBounds(localDate(fallBack.at + 2 * HOUR, SANTIAGO), SANTIAGO).start,
    );
  });

  it.each([
    ["2026-11-28", "America/Argentina/Buenos_Aires", "2026-11-28T03:00:00.000Z"],
    ["2026-11-28", "Asia/Tokyo", "2026-11-27T15:00:00.000Z"],
    ["2026-11-28", "UTC", "2026-11-28T00:00:00.000Z"],
    ["2026-01-01", "Pacific/Kiritimati", "2025-12-31T10:00:00.000Z"],
    ["2026-01-01", "Pacific/Pago_Pago", "2026-01-01T11:00:00.000Z"],
  ])("%s in %s starts at %s", (date, zone, start) => {
    expect(localDayBounds(date, zone).start.toISOString()).toBe(start);
  });
});

const t = useHarness();

/** Sales of one store at the given instants, each named by its reference. */
async function insertSales(storeId: string, sales: { ref: string; at: number }[]) {
  for (const s of sales) {
    await t.db.prisma.$executeRaw`
      INSERT INTO sales (external_reference, store_id, pos_id, title, description, items, total_cents, status,
                         request_hash, expires_at, order_state, created_at, updated_at)
      VALUES (${s.ref}, ${storeId}, 'DAYPOS', 'x', '', '[]'::jsonb, 1000, 'expired', 'h',
              ${new Date(s.at)}::timestamptz, 'withdrawn', ${new Date(s.at)}::timestamptz,
              ${new Date(s.at)}::timestamptz)`;
  }
}

async function insertStore(id: string) {
  await t.db.prisma.store.create({
    data: { externalId: id, mercadopagoId: `mp-${id}`, name: id, location: {}, requestHash: "h" },
  });
}

const refsOf = async (query: string) => {
  const res = await request(t.h.app).get(`/sales?${query}&limit=200`).set(auth);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.data as { external_reference: string }[])
    .map((s) => s.external_reference)
    .sort();
};

describe("GET /sales?date= and /sales/summary?date= of a store in America/Santiago", () => {
  // 23:30 on the day before and the first half hour of the day, on both sides of each change
  const before = (c: { at: number }) => c.at - 30 * 60_000; // 23:30 before the change
  const sales = [
    // clocks go back at 24:00 → 23:00: 23:30 happens twice, both on the Saturday
    { ref: "fb-2330-first", at: before(fallBack) },
    { ref: "fb-2330-again", at: fallBack.at + 30 * 60_000 },
    { ref: "fb-0030", at: fallBack.at + 90 * 60_000 }, // 00:30 on the Sunday
    // clocks go forward at 24:00 → 01:00: 23:30 on Saturday, then 01:30 is the Sunday's first
    { ref: "sf-2330", at: before(springForward) },
    { ref: "sf-0130", at: springForward.at + 30 * 60_000 },
    // a week before the change, an ordinary day: 23:30 and 00:30
    { ref: "wk-2330", at: before(springForward) - 7 * 24 * HOUR },
    { ref: "wk-0030", at: before(springForward) - 7 * 24 * HOUR + HOUR },
  ];

  beforeAll(async () => {
    await insertStore("STGO1");
    const patched = await request(t.h.app)
      .patch("/stores/STGO1")
      .set(auth)
      .send({ time_zone: SANTIAGO });
    expect(patched.body.time_zone).toBe(SANTIAGO);
    await insertSales("STGO1", sales);
    // the same instants at a store with no zone of its own: the site's (MLA, Buenos Aires)
    await insertStore("BA1");
    await insertSales(
      "BA1",
      sales.map((s) => ({ ref: `ba-${s.ref}`, at: s.at })),
    );
  });

  it("each sale lands on the local date the store's clock showed", async () => {
    // the expected days are read off Intl directly, not from the service's bounds
    const saturdayFb = localDate(before(fallBack), SANTIAGO);
    const sundayFb = localDate(fallBack.at + 90 * 60_000, SANTIAGO);
    const saturdaySf = localDate(before(springForward), SANTIAGO);
    const sundaySf = localDate(springForward.at + 30 * 60_000, SANTIAGO);
    const weekSat = localDate(before(springForward) - 7 * 24 * HOUR, SANTIAGO);
    const weekSun = localDate(before(springForward) - 7 * 24 * HOUR + HOUR, SANTIAGO);
    expect(localDate(fallBack.at + 30 * 60_000, SANTIAGO)).toBe(saturdayFb);

    expect(await refsOf(`store_id=STGO1&date=${saturdayFb}`)).toEqual([
      "fb-2330-again",
      "fb-2330-first",
    ]);
    expect(await refsOf(`store_id=STGO1&date=${sundayFb}`)).toEqual(["fb-0030"]);
    expect(await refsOf(`store_id=STGO1&date=${saturdaySf}`)).toEqual(["sf-2330"]);
    expect(await refsOf(`store_id=STGO1&date=${sundaySf}`)).toEqual(["sf-0130"]);
    expect(await refsOf(`store_id=STGO1&date=${weekSat}`)).toEqual(["wk-2330"]);
    expect(await refsOf(`store_id=STGO1&date=${weekSun}`)).toEqual(["wk-0030"]);

    const summary = await request(t.h.app)
      .get(`/sales/summary?store_id=STGO1&date=${saturdayFb}`)
      .set(auth);
    expect(summary.status).toBe(200);
    expect(summary.body.count).toBe(2);
    expect(summary.body.by_status.expired).toEqual({ count: 2, amount: 20 });

    const csv = await request(t.h.app)
      .get(`/sales?store_id=STGO1&date=${sundaySf}`)
      .set(auth)
      .set("Accept", "text/csv");
    expect(csv.status).toBe(200);
    const lines = csv.text.split("\r\n").filter((l) => l !== "");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^sf-0130,/);
  });

  it("the same instants at a store with no zone of its own fall on Buenos Aires days", async () => {
    // Buenos Aires is UTC-3 all year: the Santiago Saturday's second 23:30 is 00:30 Sunday there
    const saturdayFb = localDate(before(fallBack), SANTIAGO);
    const sundayFb = localDate(fallBack.at + 90 * 60_000, SANTIAGO);
    expect(await refsOf(`store_id=BA1&date=${saturdayFb}`)).toEqual(["ba-fb-2330-first"]);
    expect(await refsOf(`store_id=BA1&date=${sundayFb}`)).toEqual([
      "ba-fb-0030",
      "ba-fb-2330-again",
    ]);
  });

  it("refuses date without store_id, with from or to, and a date that does not exist", async () => {
    const problems = async (query: string) => {
      const res = await request(t.h.app).get(query).set(auth);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      return (res.body.error.details as { path: string }[]).map((d) => d.path);
    };
    expect(await problems("/sales?date=2026-04-04")).toEqual(["date"]);
    expect(await problems("/sales/summary?date=2026-04-04")).toEqual(["date"]);
    expect(
      await problems("/sales?store_id=STGO1&date=2026-04-04&from=2026-04-04T00:00:00Z"),
    ).toEqual(["date"]);
    expect(
      await problems("/sales/summary?store_id=STGO1&date=2026-04-04&to=2026-04-05T00:00:00Z"),
    ).toEqual(["date"]);
    expect(await problems("/sales?store_id=STGO1&date=2026-02-30")).toEqual(["date"]);
    expect(await problems("/sales?store_id=STGO1&date=04/04/2026")).toEqual(["date"]);
    // from/to keep working as before
    expect(
      await refsOf(
        `store_id=STGO1&from=${new Date(before(fallBack)).toISOString()}` +
          `&to=${new Date(fallBack.at + 31 * 60_000).toISOString()}`,
      ),
    ).toEqual(["fb-2330-again", "fb-2330-first"]);
  });
});
