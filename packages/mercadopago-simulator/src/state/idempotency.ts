// X-Idempotency-Key of the Orders API's writes (create, cancel, refund): the same key with the
// same request within 24 h answers what the first call answered, without doing it again.

import { isRecord, ordersError } from "../util.ts";

interface IdempotentAnswer {
  fingerprint: string;
  status: number;
  body: unknown;
  at: number;
}

const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

/** Stable JSON (sorted keys), so two equal bodies give the same idempotency fingerprint. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export interface Idempotency {
  /**
   * X-Idempotency-Key: required; the same key with the same request within 24 h answers what the
   * first call answered (without doing it again); with another request, 409
   * `idempotency_key_already_used`. Failed calls are not remembered, so they can be retried.
   */
  idempotent(
    key: string | undefined,
    fingerprint: string,
    run: () => { status: number; body: unknown },
  ): { status: number; body: unknown };
  /** Forgets every key. */
  clear(): void;
}

export function createIdempotency(now: () => Date): Idempotency {
  const idempotency = new Map<string, IdempotentAnswer>();
  return {
    idempotent(key, fingerprint, run) {
      if (key === undefined || key === "") {
        throw ordersError(
          400,
          "empty_required_header",
          "The header X-Idempotency-Key is required",
          ["X-Idempotency-Key"],
        );
      }
      // Documented for the Orders API (online); assumed to hold for QR.
      if (key.length > 128) {
        throw ordersError(
          400,
          "invalid_idempotency_key_length",
          "X-Idempotency-Key must have at most 128 characters",
          ["X-Idempotency-Key"],
        );
      }
      const t = now().getTime();
      const seen = idempotency.get(key);
      if (seen && t - seen.at < IDEMPOTENCY_WINDOW_MS) {
        if (seen.fingerprint !== fingerprint) {
          throw ordersError(
            409,
            "idempotency_key_already_used",
            "The X-Idempotency-Key was already used with a different request",
          );
        }
        return { status: seen.status, body: structuredClone(seen.body) };
      }
      const answer = run();
      idempotency.set(key, { fingerprint, ...answer, body: structuredClone(answer.body), at: t });
      return answer;
    },
    clear() {
      idempotency.clear();
    },
  };
}
