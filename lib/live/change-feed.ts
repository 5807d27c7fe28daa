// The change feed: a doorbell that rings when an order's checkout status may have changed. It
// carries only the order id, never the status: every subscriber re-reads the database, so nothing
// about a payment is ever known only to one instance's memory, and a lost ring costs latency
// (the event stream re-reads on every heartbeat), never correctness.
//
// On SQLite (one instance) the feed is in-process. A PostgreSQL implementation (LISTEN/NOTIFY on
// one channel, payload = order id) fits the same interface and reaches every instance.

export type ChangeListener = (orderId: string) => void;

export interface ChangeFeed {
  /** Called after the transaction that changed the order has committed. */
  publish(orderId: string): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
}

export function createInProcessFeed(): ChangeFeed {
  const listeners = new Set<ChangeListener>();
  return {
    publish(orderId) {
      for (const listener of listeners) {
        try {
          listener(orderId);
        } catch {
          // A broken subscriber must not fail the writer, whose transaction has already committed.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

// Next bundles lib/ into its route chunks while the custom server imports it directly: the feed
// lives on globalThis so that both copies of this module publish to and read from the same one.
const holder = globalThis as unknown as { __checkoutChangeFeed?: ChangeFeed };

export function changeFeed(): ChangeFeed {
  holder.__checkoutChangeFeed ??= createInProcessFeed();
  return holder.__checkoutChangeFeed;
}

/** The one call every writer of an order's checkout-visible fields makes after committing. */
export function orderChanged(orderId: string): void {
  changeFeed().publish(orderId);
}
