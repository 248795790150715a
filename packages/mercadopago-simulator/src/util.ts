// Small helpers shared by the simulator modules: money in integer cents, Mercado Pago style
// timestamps, a seeded random generator and the Mercado Pago error body.

/** Converts an amount in currency units to integer cents. */
export function toCents(amount: number): number {
  return Math.round(amount * 100);
}

/** Converts integer cents back to currency units. */
export function fromCents(cents: number): number {
  return cents / 100;
}

/** True when `amount` has at most two decimals (tolerant to binary floating point noise). */
export function hasAtMostTwoDecimals(amount: number): boolean {
  return Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * Formats a date the way Mercado Pago does: milliseconds and an explicit offset,
 * e.g. `2024-05-01T12:30:00.000-03:00`.
 */
export function formatMpDate(date: Date, offsetMinutes: number): string {
  const shifted = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const base = shifted.toISOString().slice(0, 23);
  return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Deterministic pseudo random generator (mulberry32) returning numbers in [0, 1). */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Body of a Mercado Pago API error. */
export interface MpErrorBody {
  message: string;
  error: string;
  status: number;
  cause: unknown[];
}

export function mpError(status: number, error: string, message: string): MpErrorBody {
  return { message, error, status, cause: [] };
}

/**
 * Error body of the Orders API (`/v1/orders`). Its shape is not confirmed for QR; newer Mercado
 * Pago APIs answer this way (the legacy ones with `MpErrorBody`), and clients read both.
 */
export interface OrdersErrorBody {
  errors: { code: string; message: string; details: string[] }[];
}

/** Error raised by the simulator state; routes turn it into an HTTP response with `body`. */
export class SimulatorError extends Error {
  readonly status: number;
  readonly code: string;
  /** `orders`: the Orders API body (`{errors: [...]}`); default: the legacy body. */
  readonly shape: "legacy" | "orders";
  readonly details: string[];

  constructor(
    status: number,
    code: string,
    message: string,
    options: { shape?: "legacy" | "orders"; details?: string[] } = {},
  ) {
    super(message);
    this.name = "SimulatorError";
    this.status = status;
    this.code = code;
    this.shape = options.shape ?? "legacy";
    this.details = options.details ?? [];
  }

  get body(): MpErrorBody | OrdersErrorBody {
    if (this.shape === "orders") {
      return { errors: [{ code: this.code, message: this.message, details: this.details }] };
    }
    return mpError(this.status, this.code, this.message);
  }
}

/** An Orders API error (`{errors: [{code, message, details}]}`). */
export function ordersError(
  status: number,
  code: string,
  message: string,
  details: string[] = [],
): SimulatorError {
  return new SimulatorError(status, code, message, { shape: "orders", details });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Currencies Mercado Pago takes in whole units only (Chile's and Colombia's pesos). */
const WHOLE_UNIT_CURRENCIES = new Set(["CLP", "COP"]);

/**
 * Why an amount is refused in this currency, in Mercado Pago's words ("Prices in COP currency
 * must be expressed with integer values"); null when it is fine.
 */
export function wholeUnitProblem(amountCents: number, currency: string): string | null {
  if (!WHOLE_UNIT_CURRENCIES.has(currency) || amountCents % 100 === 0) return null;
  return `Prices in ${currency} currency must be expressed with integer values`;
}
