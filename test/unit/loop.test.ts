import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createLoop, type Loop } from "../../src/jobs/loop.ts";

// The background loop's wakes: a burst of wakes within a window shares one tick.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createLoop", () => {
  let loop: Loop | null = null;
  afterEach(async () => {
    await loop?.stop();
    loop = null;
  });

  function counting() {
    const counter = { ticks: 0 };
    loop = createLoop({
      name: "test",
      logger: pino({ level: "silent" }),
      intervalMs: 60_000,
      async tick() {
        counter.ticks++;
        return false;
      },
    });
    return counter;
  }

  it("runs one tick for a burst of wakeWithin, within the window", async () => {
    const counter = counting();
    loop?.start();
    await sleep(20);
    expect(counter.ticks).toBe(1);
    for (let i = 0; i < 10; i++) loop?.wakeWithin(50);
    await sleep(10);
    expect(counter.ticks).toBe(1);
    await sleep(100);
    expect(counter.ticks).toBe(2);
  });

  it("wake still runs at once, and each wake outside a tick is its own tick", async () => {
    const counter = counting();
    loop?.start();
    await sleep(20);
    loop?.wakeWithin(10_000);
    loop?.wake();
    await sleep(20);
    expect(counter.ticks).toBe(2);
  });
});
