import type { Logger } from "pino";

/** A background job that runs `tick` on an interval, at once when woken, and drains on stop. */
export interface Loop {
  start(): void;
  /** run now instead of waiting for the interval (e.g. a notification was just stored) */
  wake(): void;
  /**
   * run within `ms`: wakes that come together (a burst of changes) share one tick, and a run
   * already due sooner stays as it is
   */
  wakeWithin(ms: number): void;
  /** stops scheduling and waits for the tick in progress to finish */
  stop(): Promise<void>;
  /** runs one tick by hand (tests) */
  runOnce(): Promise<void>;
}

export interface LoopOptions {
  name: string;
  logger: Logger;
  intervalMs: number;
  /** returns true when there is more work to do right away */
  tick(): Promise<boolean>;
}

export function createLoop(opts: LoopOptions): Loop {
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> | null = null;
  let again = false;
  /** when the scheduled run is due (performance.now()) */
  let dueAt = 0;

  function schedule(ms: number) {
    if (!running) return;
    if (timer) clearTimeout(timer);
    dueAt = performance.now() + ms;
    timer = setTimeout(run, ms);
  }

  function run() {
    timer = null;
    if (!running) return;
    if (current) {
      again = true; // woken mid-tick: go once more when this tick ends
      return;
    }
    current = (async () => {
      let more = false;
      try {
        more = await opts.tick();
      } catch (err) {
        opts.logger.error({ err, job: opts.name }, "job tick failed");
      }
      current = null;
      const next = more || again;
      again = false;
      schedule(next ? 0 : opts.intervalMs);
    })();
  }

  return {
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    wake() {
      if (running) schedule(0);
    },
    wakeWithin(ms) {
      if (!running || (timer && dueAt <= performance.now() + ms)) return;
      schedule(ms);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await current;
    },
    async runOnce() {
      await opts.tick();
    },
  };
}
