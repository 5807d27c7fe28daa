import { describe, expect, it } from "vitest";
import { MAX_CONCURRENT_HASHES, MAX_WAITING_HASHES, withHashSlot } from "./hash-slots";

describe("withHashSlot", () => {
  it("gives one client address one hash at a time", async () => {
    let release = () => {};
    const first = withHashSlot("10.0.0.1", () => new Promise<string>((r) => (release = () => r("done"))));
    expect(await withHashSlot("10.0.0.1", () => Promise.resolve("second"))).toBeNull();
    expect(await withHashSlot("10.0.0.2", () => Promise.resolve("other"))).toBe("other");
    release();
    expect(await first).toBe("done");
  });

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
    const accepted = Array.from({ length: total }, (_, i) => withHashSlot(`client-${i}`, work));
    expect(await withHashSlot("one-more", work)).toBeNull();
    for (let i = 0; i < total; i++) {
      await new Promise((r) => setTimeout(r, 0));
      releases.shift()?.();
    }
    expect(await Promise.all(accepted)).toEqual(Array(total).fill("done"));
    expect(peak).toBe(MAX_CONCURRENT_HASHES);
  });
});
