import { describe, expect, it } from "vitest";
import { Slots } from "./slots";

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("Slots", () => {
  it("runs at most `size` at once, the rest in arrival order, and refuses past the queue", async () => {
    const slots = new Slots(2, 3);
    const order: number[] = [];
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const task = (n: number) => async () => {
      order.push(n);
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => releases.push(r));
      running--;
    };
    const admitted = [1, 2, 3, 4, 5, 6].map((n) => slots.run(task(n)));
    expect(admitted).toEqual([true, true, true, true, true, false]);
    for (let i = 0; i < 5; i++) {
      while (releases.length === 0) await tick();
      releases.shift()?.();
      await tick();
      await tick();
    }
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  it("starts a queued task on a later turn, so work that is ready meanwhile runs first", async () => {
    const slots = new Slots(1, 10);
    const seen: string[] = [];
    slots.run(async () => void seen.push("a"));
    slots.run(async () => void seen.push("b"));
    setImmediate(() => seen.push("io"));
    while (seen.length < 3) await tick();
    expect(seen).toEqual(["a", "io", "b"]);
  });

  it("a failing task frees its place", async () => {
    const slots = new Slots(1, 10);
    let ran = false;
    slots.run(() => Promise.reject(new Error("boom")));
    slots.run(async () => void (ran = true));
    for (let i = 0; i < 5 && !ran; i++) await tick();
    expect(ran).toBe(true);
  });
});
