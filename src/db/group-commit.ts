/**
 * Group commit: calls that each want one small statement share one. A call is sent at once while
 * fewer than `maxInFlight` statements are out; calls that come while they all are wait and go
 * together in the next, up to `maxBatch`. Alone, a call costs what it did; under load, many cost
 * one round trip and one socket write (on this service's hot paths a statement's CPU is mostly
 * its exchange, not its work). Each call gets its own answer, or its batch's error.
 *
 * With more than one statement out, a statement held up (a row locked by a long transaction,
 * a slow connection) holds up only the calls of its batch, not every call after it; statements
 * may then end in another order than they were sent, so only calls that may commit in any order
 * (each about its own row, or idempotent) take `maxInFlight` above 1.
 */
export function groupCommit<I, O>(
  send: (batch: readonly I[]) => Promise<O[]>,
  maxBatch: number,
  maxInFlight = 1,
): (item: I) => Promise<O> {
  interface Waiting {
    item: I;
    resolve: (out: O) => void;
    reject: (err: unknown) => void;
  }
  let queue: Waiting[] = [];
  let inFlight = 0;

  /** One lane: sends what is queued, batch after batch, until nothing is. */
  async function drain(): Promise<void> {
    inFlight++;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const out = await send(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(out[i] as O));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    inFlight--;
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (inFlight < maxInFlight) void drain();
    });
}
