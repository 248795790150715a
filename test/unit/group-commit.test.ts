import { describe, expect, it } from "vitest";
import { groupCommit } from "../../src/db/group-commit.ts";

/** A sender whose statements the test ends by hand, recording each batch it was given. */
function heldSender() {
  const batches: number[][] = [];
  const pending: Array<() => void> = [];
  const send = (batch: readonly number[]) => {
    batches.push([...batch]);
    return new Promise<number[]>((resolve) =>
      pending.push(() => resolve(batch.map((n) => n * 10))),
    );
  };
  const finishNext = async () => {
    pending.shift()?.();
    // let the answered batch settle and the next one start
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { send, batches, finishNext };
}

describe("groupCommit", () => {
  it("sends a lone call at once, alone", async () => {
    const s = heldSender();
    const call = groupCommit(s.send, 10);
    const answer = call(1);
    expect(s.batches).toEqual([[1]]);
    await s.finishNext();
    await expect(answer).resolves.toBe(10);
  });

  it("sends the calls made while a statement is out together, each with its own answer", async () => {
    const s = heldSender();
    const call = groupCommit(s.send, 10);
    const answers = [call(1), call(2), call(3), call(4)];
    expect(s.batches).toEqual([[1]]);
    await s.finishNext();
    expect(s.batches).toEqual([[1], [2, 3, 4]]);
    await s.finishNext();
    await expect(Promise.all(answers)).resolves.toEqual([10, 20, 30, 40]);
  });

  it("keeps each batch within its bound", async () => {
    const s = heldSender();
    const call = groupCommit(s.send, 2);
    const answers = [1, 2, 3, 4, 5, 6].map(call);
    for (let i = 0; i < 4; i++) await s.finishNext();
    expect(s.batches).toEqual([[1], [2, 3], [4, 5], [6]]);
    await expect(Promise.all(answers)).resolves.toEqual([10, 20, 30, 40, 50, 60]);
  });

  it("fails only the calls of the batch that failed, and goes on with the next", async () => {
    let n = 0;
    const call = groupCommit(async (batch: readonly number[]) => {
      n++;
      if (n === 2) throw new Error("connection lost");
      return batch.map((x) => x * 10);
    }, 10);
    const first = call(1);
    const [second, third] = [call(2), call(3)];
    await expect(first).resolves.toBe(10);
    await expect(second).rejects.toThrow("connection lost");
    await expect(third).rejects.toThrow("connection lost");
    await expect(call(4)).resolves.toBe(40);
  });
});

describe("groupCommit with several statements out", () => {
  it("sends calls at once while fewer statements than the bound are out, then batches", async () => {
    const s = heldSender();
    const call = groupCommit(s.send, 10, 2);
    const answers = [call(1), call(2), call(3), call(4)];
    expect(s.batches).toEqual([[1], [2]]);
    await s.finishNext();
    expect(s.batches).toEqual([[1], [2], [3, 4]]);
    await s.finishNext();
    await s.finishNext();
    await expect(Promise.all(answers)).resolves.toEqual([10, 20, 30, 40]);
  });

  it("lets later calls through while one statement is held up", async () => {
    const held: Array<() => void> = [];
    const call = groupCommit(
      (batch: readonly number[]) =>
        batch.includes(1)
          ? new Promise<number[]>((resolve) => held.push(() => resolve(batch.map((n) => n * 10))))
          : Promise.resolve(batch.map((n) => n * 10)),
      10,
      2,
    );
    const stuck = call(1);
    // the other lane goes on, batch after batch, while the first statement is out
    await expect(call(2)).resolves.toBe(20);
    await expect(Promise.all([call(3), call(4)])).resolves.toEqual([30, 40]);
    held.shift()?.();
    await expect(stuck).resolves.toBe(10);
  });

  it("with one statement out at most, holds every later call behind it", async () => {
    const s = heldSender();
    const call = groupCommit(s.send, 10);
    const answers = [call(1), call(2)];
    let second = false;
    void answers[1]!.then(() => (second = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.batches).toEqual([[1]]);
    expect(second).toBe(false);
    await s.finishNext();
    await s.finishNext();
    await expect(Promise.all(answers)).resolves.toEqual([10, 20]);
  });
});
