/**
 * Which day of a store the daily run owes at an instant: the store's previous calendar day, once
 * its local clock has passed `dayAt` (RECONCILE_DAY_AT, "HH:MM"); before that, the day before it
 * (not yet run only if the service was down the whole of yesterday after dayAt). Pure: Intl's
 * zone data, neither the server's zone nor the database's.
 */
export function dayOwed(now: Date, timeZone: string, dayAt: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const [h, m] = dayAt.split(":").map(Number) as [number, number];
  const passed = get("hour") * 60 + get("minute") >= h * 60 + m;
  const local = new Date(Date.UTC(get("year"), get("month") - 1, get("day")));
  local.setUTCDate(local.getUTCDate() - (passed ? 1 : 2));
  return local.toISOString().slice(0, 10);
}
