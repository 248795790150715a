/**
 * A store's calendar day as instants: pure, from the IANA database Node carries (Intl), so
 * neither the server's zone nor the database session's plays any part.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** An IANA zone name: Area/Location (or UTC); offsets such as "-03:00" are not zones. */
const ZONE_NAME = /^(?:[A-Za-z][A-Za-z0-9_+-]*)(?:\/[A-Za-z0-9][A-Za-z0-9_+-]*)*$/;

/**
 * An IANA time zone as kept: its usual capitals when only those differ ("america/santiago" →
 * "America/Santiago"), else the name as given; null when Intl does not know it. ICU resolves some
 * current names to older links (America/Argentina/Cordoba → America/Cordoba), so its answer is
 * taken only for the spelling, never to swap one name for another.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!ZONE_NAME.test(name)) return null;
  try {
    const resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions()
      .timeZone;
    return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
  } catch {
    return null;
  }
}

/** `YYYY-MM-DD` as [year, month, day] when it is a real calendar date, else null. */
export function parseLocalDate(text: string): [number, number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d
    ? [y, mo, d]
    : null;
}

/** The calendar date at `instant` in `timeZone`, as a comparable number yyyymmdd. */
function localDateKey(instant: number, timeZone: string): number {
  const parts = dateFormatter(timeZone).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return get("year") * 10_000 + get("month") * 100 + get("day");
}

/** Every zone's offset is within ±14 h, so local midnight lies within this of UTC midnight. */
const SEARCH_MS = 16 * 3600_000;

/**
 * The first instant whose local date in `timeZone` is `y-m-d` or later. A binary search over the
 * instants around UTC midnight rather than offset arithmetic, so a day whose midnight does not
 * exist (Chile springs forward at 24:00: the day starts at 01:00) or repeats an hour of the day
 * before (Chile falls back at 24:00 to 23:00) starts where the clock says it does.
 */
function startOfLocalDate(y: number, m: number, d: number, timeZone: string): number {
  const target = y * 10_000 + m * 100 + d;
  const utcMidnight = Date.UTC(y, m - 1, d);
  let lo = utcMidnight - SEARCH_MS; // local date before the target
  let hi = utcMidnight + SEARCH_MS; // local date on or after it
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (localDateKey(mid, timeZone) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The store's day `date` (YYYY-MM-DD) in `timeZone`: midnight to midnight local time, as the
 * instants [start, end). 23 or 25 hours long on a day the clocks change.
 */
export function localDayBounds(date: string, timeZone: string): { start: Date; end: Date } {
  const ymd = parseLocalDate(date);
  if (!ymd) throw new RangeError(`not a calendar date: ${date}`);
  const [y, m, d] = ymd;
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return {
    start: new Date(startOfLocalDate(y, m, d, timeZone)),
    end: new Date(
      startOfLocalDate(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone),
    ),
  };
}
