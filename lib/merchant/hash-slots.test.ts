import { describe, expect, it } from "vitest";
import { MAX_CONCURRENT_HASHES, MAX_HASHES_PER_ADDRESS, MAX_WAITING_HASHES, withHashSlot } from "./hash-slots";

describe("withHashSlot", () => {
  it("gives one client address at most MAX_HASHES_PER_ADDRESS places", async () => {
    const releases: (() => void)[] = [];
    const held = () => new Promise<string>((r) => releases.push(() => r("done")));
    const mine = Array.from({ length: MAX_HASHES_PER_ADDRESS }, () => withHashSlot("10.0.0.1", held));
    expect(await withHashSlot("10.0.0.1", () => Promise.resolve("one too many"))).toBeNull();
    // Another address still gets a place (queued behind the two running hashes).
    const other = withHashSlot("10.0.0.2", () => Promise.resolve("other"));
    for (const release of releases) release();
    expect(await other).toBe("other");
    expect(await Promise.all(mine)).toEqual(Array(MAX_HASHES_PER_ADDRESS).fill("done"));
    expect(await withHashSlot("10.0.0.1", () => Promise.resolve("again"))).toBe("again");
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
