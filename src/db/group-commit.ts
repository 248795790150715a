/**
 * Group commit: calls that each want one small statement share one. The first call is sent at
 * once; calls that come while a statement is out wait for it and go together in the next, up to
 * `maxBatch`. Alone, a call costs what it did; under load, many cost one round trip and one
 * socket write (on this service's hot paths a statement's CPU is mostly its exchange, not its
 * work). Each call gets its own answer, or the batch's error.
 */
export function groupCommit<I, O>(
  send: (batch: readonly I[]) => Promise<O[]>,
  maxBatch: number,
): (item: I) => Promise<O> {
  interface Waiting {
    item: I;
    resolve: (out: O) => void;
    reject: (err: unknown) => void;
  }
  let queue: Waiting[] = [];
  let sending = false;

  async function drain(): Promise<void> {
    sending = true;
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
    sending = false;
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!sending) void drain();
    });
}
