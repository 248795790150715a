// Ids of the Orders API: `ORD` (or `ORDTST`) and a ULID-like 26 characters, ordered by time.

import { randomBytes } from "node:crypto";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Path ids: `ORD` (or `ORDTST`) followed by 26 characters. */
export const ORDER_ID = /^ORD(?:TST)?[0-9A-Z]{26}$/;

/** A generator of ULID-like ids: 10 characters of time and 16 of randomness (Crockford base 32). */
export function createUlid(now: () => Date): () => string {
  let lastUlidMs = 0;
  let ulidSeq = 0;
  return function ulid(): string {
    let t = now().getTime();
    // Keeps ids unique (and sorted) when the clock does not move, as with a fake clock.
    if (t <= lastUlidMs) {
      ulidSeq += 1;
      t = lastUlidMs;
    } else {
      lastUlidMs = t;
      ulidSeq = 0;
    }
    let time = "";
    for (let i = 0; i < 10; i += 1) {
      time = (CROCKFORD[t % 32] ?? "0") + time;
      t = Math.floor(t / 32);
    }
    const bytes = randomBytes(16);
    let rand = "";
    for (const b of bytes) rand += CROCKFORD[b % 32] ?? "0";
    let seq = "";
    for (let i = 0, n = ulidSeq; i < 4; i += 1, n = Math.floor(n / 32)) {
      seq = (CROCKFORD[n % 32] ?? "0") + seq;
    }
    return `${time}${rand.slice(0, 12)}${seq}`;
  };
}
