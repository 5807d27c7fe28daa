import { env } from "../env";
import { changeFeed, type ChangeFeed } from "./change-feed";
import { HEARTBEAT_FRAME, eventIdOf, retryFrame, statusFrame } from "./sse";
import { readStatusSnapshot, type StatusSnapshot } from "./status-reader";

// Every open status stream of this instance, grouped by order. When the change feed rings for an
// order somebody watches, its status is read once (however many tabs watch it, however many
// rings arrived meanwhile) and sent to the streams that have not seen that version yet.
// One timer for all streams sends heartbeats, ends streams past their lifetime (the browser
// reconnects with Last-Event-ID) and re-reads every watched order: the safety net for a writer
// that did not ring (another process on the same SQLite file, e.g. `npm run reconcile`) and for a
// ring lost on the way from another instance.

export type StreamSink = { write(frame: string): void; end(): void };
export type Subscription = { close(): void };

/**
 * How many streams may be open at once (0 = no cap): per checkout token (one shopper's tabs), per
 * client address (the limit key of lib/http/ip-list.ts: an IPv6 /64 counts as one) and on this
 * instance. Each stream holds a socket and about 17 KB: without caps, ten guest checkouts
 * reconnecting in a loop could exhaust an instance (docs/security.md).
 */
export type StreamCaps = { perToken: number; perAddress: number; perInstance: number };

/** Why a stream was not opened: the first two answer 429, the instance ceiling 503; both with Retry-After. */
export type StreamRefusal = { refused: "token" | "address" | "instance"; retryAfterSeconds: number };

export type HubOptions = {
  feed: ChangeFeed;
  read: (token: string) => Promise<StatusSnapshot | null>;
  heartbeatMs: number;
  lifetimeMs: number;
  caps?: StreamCaps;
  now?: () => number;
};

type Stream = { sink: StreamSink; lastId: string | null; openedAt: number; token: string; address: string | null };
type Entry = { token: string; streams: Set<Stream> };

/** Orders re-read per event-loop turn on the heartbeat: 10,000 watched orders never block it long. */
const SWEEP_CHUNK = 500;

export class StatusHub {
  private readonly entries = new Map<string, Entry>();
  /** Open (or opening) streams per token, per address key, and in all: what the caps count. */
  private readonly perToken = new Map<string, number>();
  private readonly perAddress = new Map<string, number>();
  private open_ = 0;
  private readonly dirty = new Set<string>();
  private flushing = false;
  private changes = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: HubOptions) {
    this.now = options.now ?? Date.now;
    this.unsubscribe = options.feed.subscribe((orderId) => {
      this.changes++;
      if (orderId === null) {
        // The feed may have missed rings (its connection was down): everything watched is re-read.
        for (const watched of this.entries.keys()) this.markDirty(watched);
      } else if (this.entries.has(orderId)) this.markDirty(orderId);
    });
  }

  /**
   * Opens a stream: null for an unknown token, a refusal past a cap (checked and counted before the
   * database is read, so refused streams cost nothing). The current status goes first unless the
   * browser has it. `address` is the client's limit key (null: unknown, counted per token only).
   */
  async open(
    token: string,
    lastEventId: string | null,
    sink: StreamSink,
    address: string | null = null,
  ): Promise<Subscription | StreamRefusal | null> {
    const refusal = this.admit(token, address);
    if (refusal) return refusal;
    let snapshot: StatusSnapshot | null;
    const changesBefore = this.changes;
    try {
      snapshot = await this.options.read(token);
    } catch (error) {
      this.release(token, address);
      throw error;
    }
    if (!snapshot) {
      this.release(token, address);
      return null;
    }
    const id = eventIdOf(snapshot.view);
    sink.write(retryFrame());
    if (lastEventId !== id) sink.write(statusFrame(snapshot.view, id));
    const stream: Stream = { sink, lastId: id, openedAt: this.now(), token, address };
    let entry = this.entries.get(snapshot.orderId);
    if (!entry) {
      entry = { token, streams: new Set() };
      this.entries.set(snapshot.orderId, entry);
    }
    entry.streams.add(stream);
    // A ring between our read and joining the entry would be lost: read once more.
    if (this.changes !== changesBefore) this.markDirty(snapshot.orderId);
    this.timer ??= setInterval(() => void this.sweep(), this.options.heartbeatMs);
    this.timer.unref?.();
    const orderId = snapshot.orderId;
    return { close: () => this.remove(orderId, stream) };
  }

  private admit(token: string, address: string | null): StreamRefusal | null {
    const caps = this.options.caps;
    if (caps) {
      if (caps.perInstance > 0 && this.open_ >= caps.perInstance) return { refused: "instance", retryAfterSeconds: 5 };
      if (caps.perToken > 0 && (this.perToken.get(token) ?? 0) >= caps.perToken) {
        return { refused: "token", retryAfterSeconds: 30 };
      }
      if (address !== null && caps.perAddress > 0 && (this.perAddress.get(address) ?? 0) >= caps.perAddress) {
        return { refused: "address", retryAfterSeconds: 30 };
      }
    }
    this.open_++;
    this.perToken.set(token, (this.perToken.get(token) ?? 0) + 1);
    if (address !== null) this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    return null;
  }

  private release(token: string, address: string | null): void {
    this.open_ = Math.max(0, this.open_ - 1);
    decrement(this.perToken, token);
    if (address !== null) decrement(this.perAddress, address);
  }

  stats(): { streams: number; orders: number } {
    let streams = 0;
    for (const entry of this.entries.values()) streams += entry.streams.size;
    return { streams, orders: this.entries.size };
  }

  /** Tests and shutdown: end every stream and stop listening. */
  close(): void {
    this.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const entry of this.entries.values()) for (const s of entry.streams) s.sink.end();
    this.entries.clear();
    this.perToken.clear();
    this.perAddress.clear();
    this.open_ = 0;
  }

  private remove(orderId: string, stream: Stream): void {
    const entry = this.entries.get(orderId);
    if (!entry?.streams.delete(stream)) return;
    this.release(stream.token, stream.address);
    if (entry.streams.size === 0) this.entries.delete(orderId);
    if (this.entries.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private markDirty(orderId: string): void {
    this.dirty.add(orderId);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    try {
      while (this.dirty.size > 0) {
        const batch = [...this.dirty];
        this.dirty.clear();
        for (const orderId of batch) await this.refresh(orderId);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async refresh(orderId: string): Promise<void> {
    const entry = this.entries.get(orderId);
    if (!entry) return;
    let snapshot: StatusSnapshot | null;
    try {
      snapshot = await this.options.read(entry.token);
    } catch {
      return; // the next ring or heartbeat tries again
    }
    if (!snapshot) return;
    const id = eventIdOf(snapshot.view);
    let frame: string | undefined;
    for (const stream of entry.streams) {
      if (stream.lastId === id) continue;
      frame ??= statusFrame(snapshot.view, id);
      stream.lastId = id;
      stream.sink.write(frame);
    }
  }

  private async sweep(): Promise<void> {
    const now = this.now();
    const orderIds = [...this.entries.keys()];
    for (const orderId of orderIds) {
      const entry = this.entries.get(orderId);
      if (!entry) continue;
      for (const stream of entry.streams) {
        if (now - stream.openedAt >= this.options.lifetimeMs) {
          this.remove(orderId, stream);
          stream.sink.end();
        } else {
          stream.sink.write(HEARTBEAT_FRAME);
        }
      }
    }
    for (let i = 0; i < orderIds.length; i++) {
      await this.refresh(orderIds[i] as string);
      if (i % SWEEP_CHUNK === SWEEP_CHUNK - 1) await new Promise((r) => setImmediate(r));
    }
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 0) - 1;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

/** Whether `open` answered a refusal rather than a stream or "unknown". */
export function isRefusal(result: Subscription | StreamRefusal | null): result is StreamRefusal {
  return result !== null && "refused" in result;
}

/** A refusal as the answer both code paths give (fast path and route handler): code, message, headers. */
export function streamRefusalError(refusal: StreamRefusal): {
  code: "RATE_LIMITED" | "BUSY";
  message: string;
  headers: Record<string, string>;
} {
  const headers = { "Retry-After": String(refusal.retryAfterSeconds) };
  switch (refusal.refused) {
    case "token":
      return { code: "RATE_LIMITED", message: "too many open status streams for this checkout", headers };
    case "address":
      return { code: "RATE_LIMITED", message: "too many open status streams from this address", headers };
    case "instance":
      return { code: "BUSY", message: "too many open status streams on this server; retry shortly", headers };
  }
}

export const HEARTBEAT_MS = 15_000;
/** Streams end after this long; the browser reconnects at once with Last-Event-ID. */
export const STREAM_LIFETIME_MS = 5 * 60_000;

// One hub per process, on globalThis, so that the stream caps count every stream: the fast path
// (registered from instrumentation.ts) and the events route are in different bundles of Next,
// each with its own copy of lib/ (see instrumentation.ts).
const holder = globalThis as unknown as { __checkoutStatusHub?: StatusHub };

/** Shutdown: ends this process's streams and its feed subscription, if it ever had a hub. */
export function closeStatusHub(): void {
  holder.__checkoutStatusHub?.close();
  holder.__checkoutStatusHub = undefined;
}

/** This process's hub (shared by the fast path and the events route). */
export function statusHub(): StatusHub {
  holder.__checkoutStatusHub ??= new StatusHub({
    feed: changeFeed(),
    read: readStatusSnapshot,
    heartbeatMs: HEARTBEAT_MS,
    lifetimeMs: STREAM_LIFETIME_MS,
    caps: {
      perToken: env().STREAMS_PER_TOKEN,
      perAddress: env().STREAMS_PER_ADDRESS,
      perInstance: env().STREAMS_PER_INSTANCE,
    },
  });
  return holder.__checkoutStatusHub;
}
