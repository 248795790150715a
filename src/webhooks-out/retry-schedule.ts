/**
 * When a failed delivery is tried again: exponential (the base, ×3 each time, capped at 4 h) with
 * ±20 % jitter, so the endpoints of one outage do not all come back at once; `null` once the
 * retry window is over (the delivery is then failed).
 */
export function nextAttemptAt(input: {
  attempts: number;
  windowStart: Date;
  now: Date;
  baseMs: number;
  retryForMs: number;
  random?: () => number;
}): Date | null {
  const { attempts, windowStart, now, baseMs, retryForMs } = input;
  if (now.getTime() - windowStart.getTime() >= retryForMs) return null;
  const exponent = Math.max(0, attempts - 1);
  const delay = Math.min(baseMs * 3 ** Math.min(exponent, 30), 4 * 3_600_000);
  const jitter = 0.8 + 0.4 * (input.random ?? Math.random)();
  const at = new Date(now.getTime() + Math.round(delay * jitter));
  // the last try falls at the window's end, not past it by up to 4 h
  const end = windowStart.getTime() + retryForMs;
  return at.getTime() > end ? new Date(Math.max(end, now.getTime() + 1)) : at;
}

/** The documented schedule (docs/webhooks.md) without jitter: delay before each retry. */
export function scheduleMs(baseMs: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.min(baseMs * 3 ** i, 4 * 3_600_000));
}
