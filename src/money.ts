/** Money is integer cents inside the service; decimals exist only at the Mercado Pago boundary. */

/** Cents of a decimal amount, or null when it has more than two decimals or is not finite. */
export function toCents(amount: number): number | null {
  if (!Number.isFinite(amount)) return null;
  const cents = Math.round(amount * 100);
  // 0.1 * 100 is 10.000000000000002: accept float noise, reject a real third decimal
  if (Math.abs(amount * 100 - cents) > 1e-6 * Math.max(1, Math.abs(amount))) return null;
  if (!Number.isSafeInteger(cents)) return null;
  return cents;
}

/** Cents of an amount Mercado Pago sent us; its amounts carry at most two decimals. */
export function centsFromApi(amount: number): number {
  return Math.round(amount * 100);
}

/** The decimal amount Mercado Pago expects for a number of cents. */
export function fromCents(cents: number): number {
  return cents / 100;
}
