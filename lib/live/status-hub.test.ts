import { afterEach, describe, expect, it } from "vitest";
import type { StatusView } from "../payments/checkout-views";
import { Listeners, type ChangeFeed } from "./change-listeners";
import { eventIdOf, parseLastEventId, statusFrame } from "./sse";
import { StatusHub, isRefusal, type StreamCaps } from "./status-hub";

// The hub with an in-memory "database": what each stream is sent, when.

const TOKEN = "tok_0123456789abcdef";

function setUp(options: { heartbeatMs?: number; lifetimeMs?: number; caps?: StreamCaps } = {}) {
  // The in-process feed, plus the "anything may have changed" ring a reconnecting feed sends.
  const listeners = new Listeners();
  const feed = {
    publish: (orderId: string) => listeners.ring(orderId),
    subscribe: (l) => listeners.add(l),
    ring: (orderId: string | null) => listeners.ring(orderId),
  } satisfies ChangeFeed & { ring: unknown };
  const row = { view: { status: "PENDING", updatedAt: "2026-12-01T10:00:00.000Z" } as StatusView, reads: 0 };
  let clock = 0;
  const hub = new StatusHub({
    feed,
    read: async (token) => {
      row.reads++;
      if (token === TOKEN) return { orderId: "ord_1", view: row.view };
      return token.startsWith("tok_other_") ? { orderId: `ord_${token}`, view: row.view } : null;
    },
    heartbeatMs: options.heartbeatMs ?? 60_000,
    lifetimeMs: options.lifetimeMs ?? 300_000,
    caps: options.caps,
    now: () => clock,
  });
  const sink = () => {
    const frames: string[] = [];
    return {
      frames,
      ended: false,
      write: (f: string) => void frames.push(f),
      end() {
        this.ended = true;
      },
    };
  };
  return { feed, row, hub, sink, tick: (ms: number) => (clock += ms) };
}

const settle = () => new Promise((r) => setImmediate(r)).then(() => new Promise((r) => setImmediate(r)));

let hubs: StatusHub[] = [];
afterEach(() => {
  for (const h of hubs) h.close();
  hubs = [];
});

describe("StatusHub", () => {
  it("sends the current status first, then each change the feed rings for, once per version", async () => {
    const { feed, row, hub, sink } = setUp();
    hubs.push(hub);
    const s = sink();
    expect(await hub.open(TOKEN, null, s)).not.toBeNull();
    expect(s.frames).toEqual(["retry: 1000\n\n", statusFrame(row.view)]);

    row.view = { status: "PAID", updatedAt: "2026-12-01T10:00:05.000Z" };
    feed.publish("ord_1");
    feed.publish("ord_1"); // rings coalesce into one read
    await settle();
    expect(s.frames.slice(2)).toEqual([statusFrame(row.view)]);
    expect(row.reads).toBe(2);

    feed.publish("ord_1"); // nothing new: nothing sent
    await settle();
    expect(s.frames).toHaveLength(3);
  });

  it("ignores rings for orders nobody watches, and answers null for an unknown token", async () => {
    const { feed, row, hub, sink } = setUp();
    hubs.push(hub);
    expect(await hub.open("tok_unknown_000000000", null, sink())).toBeNull();
    const reads = row.reads;
    feed.publish("ord_other");
    await settle();
    expect(row.reads).toBe(reads);
  });

  it("resumes with Last-Event-ID: the status the browser has is not sent again", async () => {
    const { row, hub, sink } = setUp();
    hubs.push(hub);
    const s = sink();
    await hub.open(TOKEN, eventIdOf(row.view), s);
    expect(s.frames).toEqual(["retry: 1000\n\n"]);
    const other = sink();
    await hub.open(TOKEN, "zz-1", other);
    expect(other.frames[1]).toBe(statusFrame(row.view));
  });

  it("sends heartbeats, re-reads on the heartbeat, and ends streams past their lifetime", async () => {
    const { row, hub, sink, tick } = setUp({ heartbeatMs: 20, lifetimeMs: 1_000 });
    hubs.push(hub);
    const s = sink();
    await hub.open(TOKEN, null, s);
    // A writer that never rang (another process): the heartbeat's re-read finds it.
    row.view = { status: "EXPIRED", updatedAt: "2026-12-01T10:15:00.000Z" };
    await new Promise((r) => setTimeout(r, 60));
    expect(s.frames).toContain(": hb\n\n");
    expect(s.frames).toContain(statusFrame(row.view));
    tick(1_000);
    await new Promise((r) => setTimeout(r, 60));
    expect(s.ended).toBe(true);
    expect(hub.stats()).toEqual({ streams: 0, orders: 0 });
  });

  it("re-reads every watched order when the feed says anything may have changed (null)", async () => {
    const { feed, row, hub, sink } = setUp();
    hubs.push(hub);
    const s = sink();
    await hub.open(TOKEN, null, s);
    const reads = row.reads;
    // A change made while the feed was deaf (e.g. its database connection was down): no ring for it.
    row.view = { status: "PAID", updatedAt: "2026-12-01T10:00:07.000Z" };
    await settle();
    expect(s.frames.slice(2)).toEqual([]);
    feed.ring(null);
    await settle();
    expect(s.frames.slice(2)).toEqual([statusFrame(row.view)]);
    expect(row.reads).toBe(reads + 1);
  });

  it("forgets a closed stream", async () => {
    const { hub, sink } = setUp();
    hubs.push(hub);
    const sub = await hub.open(TOKEN, null, sink());
    await hub.open(TOKEN, null, sink());
    expect(hub.stats()).toEqual({ streams: 2, orders: 1 });
    if (sub && !isRefusal(sub)) sub.close();
    expect(hub.stats()).toEqual({ streams: 1, orders: 1 });
  });
});

describe("StatusHub caps (issue: hostile callers, status streams)", () => {
  const caps = { perToken: 3, perAddress: 5, perInstance: 8 };

  it("opens at most 3 streams per token; a closed one frees its place", async () => {
    const { row, hub, sink } = setUp({ caps });
    hubs.push(hub);
    const opened = [];
    for (let i = 0; i < 3; i++) opened.push(await hub.open(TOKEN, null, sink(), `10.0.0.${i}`));
    const reads = row.reads;
    const fourth = await hub.open(TOKEN, null, sink(), "10.0.0.9");
    expect(fourth).toEqual({ refused: "token", retryAfterSeconds: 30 });
    expect(row.reads).toBe(reads); // refused before the database is read
    expect(hub.stats().streams).toBe(3);
    const first = opened[0];
    if (first && !isRefusal(first)) first.close();
    expect(isRefusal(await hub.open(TOKEN, null, sink(), "10.0.0.9"))).toBe(false);
  });

  it("caps streams per address across tokens, and per instance with a refusal that means 503", async () => {
    const { hub, sink } = setUp({ caps });
    hubs.push(hub);
    const tokens = Array.from({ length: 10 }, (_, i) => `tok_other_${String(i).padStart(10, "0")}`);
    for (const t of tokens.slice(0, 5)) expect(isRefusal(await hub.open(t, null, sink(), "203.0.113.7"))).toBe(false);
    expect(await hub.open(tokens[5] as string, null, sink(), "203.0.113.7")).toEqual({
      refused: "address",
      retryAfterSeconds: 30,
    });
    for (const t of tokens.slice(5, 8)) expect(isRefusal(await hub.open(t, null, sink(), "198.51.100.1"))).toBe(false);
    expect(await hub.open(tokens[8] as string, null, sink(), "198.51.100.2")).toEqual({
      refused: "instance",
      retryAfterSeconds: 5,
    });
    expect(hub.stats().streams).toBe(8);
  });

  it("an unknown token and a stream ended by its lifetime give their places back", async () => {
    const { hub, sink, tick } = setUp({
      caps: { perToken: 1, perAddress: 1, perInstance: 1 },
      heartbeatMs: 20,
      lifetimeMs: 1_000,
    });
    hubs.push(hub);
    expect(await hub.open("tok_unknown_000000000", null, sink(), "203.0.113.7")).toBeNull();
    const s = sink();
    expect(isRefusal(await hub.open(TOKEN, null, s, "203.0.113.7"))).toBe(false);
    expect(isRefusal(await hub.open(TOKEN, null, sink(), "203.0.113.8"))).toBe(true);
    tick(1_000);
    await new Promise((r) => setTimeout(r, 60));
    expect(s.ended).toBe(true);
    expect(isRefusal(await hub.open(TOKEN, null, sink(), "203.0.113.7"))).toBe(false);
  });
});

describe("Last-Event-ID parsing", () => {
  it.each([
    ["mx4mq5ie-6xa5qt", "mx4mq5ie-6xa5qt"],
    ["", null],
    [undefined, null],
    ["x\nevent: evil", null],
    ["a".repeat(40), null],
  ])("%j → %j", (input, expected) => {
    expect(parseLastEventId(input)).toBe(expected);
  });
});
