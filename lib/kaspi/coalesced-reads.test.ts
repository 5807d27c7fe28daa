import { describe, expect, it } from "vitest";
import { coalesceFreshReads } from "./coalesced-reads";

function deferredReads() {
  const calls: { key: string; resolve: (v: number) => void }[] = [];
  const read = (key: string) => new Promise<number>((resolve) => calls.push({ key, resolve }));
  return { calls, read };
}

describe("coalesceFreshReads", () => {
  it("gives the first caller its own read and shares one follow-up read among later callers", async () => {
    const { calls, read } = deferredReads();
    const get = coalesceFreshReads(read);
    const first = get("p1");
    const second = get("p1");
    const third = get("p1");
    expect(calls).toHaveLength(1);
    calls[0]?.resolve(1);
    expect(await first).toBe(1);
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    // The follow-up read started after the second and third callers asked.
    expect(calls).toHaveLength(2);
    calls[1]?.resolve(2);
    expect(await second).toBe(2);
    expect(await third).toBe(2);
  });

  it("keeps payments apart and forgets a payment once its reads are done", async () => {
    const { calls, read } = deferredReads();
    const get = coalesceFreshReads(read);
    const a = get("a");
    const b = get("b");
    expect(calls.map((c) => c.key)).toEqual(["a", "b"]);
    calls[0]?.resolve(10);
    calls[1]?.resolve(20);
    expect([await a, await b]).toEqual([10, 20]);
    await new Promise((r) => setImmediate(r));
    void get("a");
    expect(calls).toHaveLength(3);
  });

  it("passes a failed read to its callers and still serves the next ones", async () => {
    let n = 0;
    const get = coalesceFreshReads(async () => {
      n++;
      if (n === 1) throw new Error("down");
      return n;
    });
    await expect(get("p")).rejects.toThrow("down");
    expect(await get("p")).toBe(2);
  });
});
