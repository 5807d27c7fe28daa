import { describe, expect, it } from "vitest";
import { MAX_CONCURRENT_HASHES, MAX_WAITING_HASHES, withHashSlot } from "./hash-slots";

describe("withHashSlot", () => {
  it("runs at most the cap at once, queues a few, turns the rest away", async () => {
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const work = () =>
      new Promise<string>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        releases.push(() => {
          running--;
          resolve("done");
        });
      });
    const total = MAX_CONCURRENT_HASHES + MAX_WAITING_HASHES;
    const accepted = Array.from({ length: total }, () => withHashSlot(work));
    expect(await withHashSlot(work)).toBeNull();
    for (let i = 0; i < total; i++) {
      await new Promise((r) => setTimeout(r, 0));
      releases.shift()?.();
    }
    expect(await Promise.all(accepted)).toEqual(Array(total).fill("done"));
    expect(peak).toBe(MAX_CONCURRENT_HASHES);
  });
});
