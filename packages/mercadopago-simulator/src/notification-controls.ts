// The controls that make notification delivery unreliable on purpose (delay, duplication,
// dropping, reordering, retries, another URL), their defaults, and the check of a partial change
// coming from code or from `PUT /api/notifications`.

export type NotificationFormat = "ipn" | "webhooks";

export interface DelayRange {
  min: number;
  max: number;
}

export interface ReorderControl {
  /** Order in which a held batch is released. */
  mode: "reverse" | "random";
  /** Release automatically once this many messages are held; 0 = only on `release()`. */
  batch: number;
}

export interface NotificationControls {
  /** Delay before each message is sent: fixed, or uniformly random in [min, max]. */
  delayMs: number | DelayRange;
  /** How many copies of each message are sent (1 = no duplicates). */
  duplicate: number;
  /** Probability (0..1) that a copy is silently lost. */
  dropRate: number;
  /** Lose every message. */
  drop: boolean;
  /** Hold messages and release them as a batch in another order; null = off. */
  reorder: ReorderControl | null;
  /** Formats to send; `source_news` in the notification_url narrows this further. */
  formats: NotificationFormat[];
  /** Waits before each retry after a failed attempt (Mercado Pago: 30 s, 5 min, 30 min). */
  retrySchedule: number[];
  /** Send everything here instead of the order's notification_url (our query is appended). */
  overrideUrl: string | null;
}

export const DEFAULT_CONTROLS: NotificationControls = {
  delayMs: 0,
  duplicate: 1,
  dropRate: 0,
  drop: false,
  reorder: null,
  formats: ["ipn", "webhooks"],
  retrySchedule: [30_000, 300_000, 1_800_000],
  overrideUrl: null,
};

export class ControlsError extends Error {}

function isNonNegativeNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

/** Validates a partial controls object coming from code or from HTTP. */
export function parseControls(patch: unknown, base: NotificationControls): NotificationControls {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw new ControlsError("controls must be an object");
  }
  const p = patch as Record<string, unknown>;
  const next: NotificationControls = { ...base, formats: [...base.formats] };
  for (const key of Object.keys(p)) {
    if (!(key in DEFAULT_CONTROLS)) throw new ControlsError(`unknown control: ${key}`);
  }
  if (p["delayMs"] !== undefined) {
    const d = p["delayMs"];
    if (isNonNegativeNumber(d)) next.delayMs = d;
    else if (
      typeof d === "object" &&
      d !== null &&
      isNonNegativeNumber((d as Record<string, unknown>)["min"]) &&
      isNonNegativeNumber((d as Record<string, unknown>)["max"])
    ) {
      const range = d as DelayRange;
      if (range.max < range.min) throw new ControlsError("delayMs.max must be >= delayMs.min");
      next.delayMs = { min: range.min, max: range.max };
    } else throw new ControlsError("delayMs must be a number or {min, max}");
  }
  if (p["duplicate"] !== undefined) {
    const n = p["duplicate"];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 100) {
      throw new ControlsError("duplicate must be an integer between 1 and 100");
    }
    next.duplicate = n;
  }
  if (p["dropRate"] !== undefined) {
    const r = p["dropRate"];
    if (typeof r !== "number" || !(r >= 0 && r <= 1)) {
      throw new ControlsError("dropRate must be between 0 and 1");
    }
    next.dropRate = r;
  }
  if (p["drop"] !== undefined) {
    if (typeof p["drop"] !== "boolean") throw new ControlsError("drop must be boolean");
    next.drop = p["drop"];
  }
  if (p["reorder"] !== undefined) {
    const r = p["reorder"];
    if (r === null || r === false) next.reorder = null;
    else if (r === "reverse" || r === "random") next.reorder = { mode: r, batch: 0 };
    else if (typeof r === "object") {
      const o = r as Record<string, unknown>;
      const mode = o["mode"];
      const batch = o["batch"] ?? 0;
      if (mode !== "reverse" && mode !== "random") {
        throw new ControlsError("reorder.mode must be reverse or random");
      }
      if (typeof batch !== "number" || !Number.isInteger(batch) || batch < 0) {
        throw new ControlsError("reorder.batch must be a non-negative integer");
      }
      next.reorder = { mode, batch };
    } else throw new ControlsError("reorder must be null, 'reverse', 'random' or {mode, batch}");
  }
  if (p["formats"] !== undefined) {
    const f = p["formats"];
    const list = typeof f === "string" ? (f === "both" ? ["ipn", "webhooks"] : [f]) : f;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((x) => x === "ipn" || x === "webhooks")
    ) {
      throw new ControlsError("formats must be 'ipn', 'webhooks', 'both' or a list of them");
    }
    next.formats = [...new Set(list as NotificationFormat[])];
  }
  if (p["retrySchedule"] !== undefined) {
    const s = p["retrySchedule"];
    if (!Array.isArray(s) || !s.every(isNonNegativeNumber)) {
      throw new ControlsError("retrySchedule must be a list of non-negative numbers (ms)");
    }
    next.retrySchedule = [...(s as number[])];
  }
  if (p["overrideUrl"] !== undefined) {
    const u = p["overrideUrl"];
    if (u !== null && typeof u !== "string")
      throw new ControlsError("overrideUrl must be a string");
    if (typeof u === "string" && !URL.canParse(u)) {
      throw new ControlsError("overrideUrl must be an absolute URL");
    }
    next.overrideUrl = u;
  }
  return next;
}
