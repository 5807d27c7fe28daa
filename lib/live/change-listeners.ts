// What every change feed shares: the listener type and this process's set of listeners. A ring
// carries an order id, or null when anything may have changed (a feed that was deaf for a while,
// e.g. while its database connection was being re-established, cannot say which orders it missed).

/** `orderId` null: anything may have changed; re-read everything watched. */
export type ChangeListener = (orderId: string | null) => void;

export interface ChangeFeed {
  /** Called after the transaction that changed the order has committed. */
  publish(orderId: string): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
}

export class Listeners {
  private readonly set = new Set<ChangeListener>();

  get size(): number {
    return this.set.size;
  }

  /** Returns the unsubscribe function (calling it twice is harmless). */
  add(listener: ChangeListener, onRemoved?: () => void): () => void {
    this.set.add(listener);
    return () => {
      if (this.set.delete(listener)) onRemoved?.();
    };
  }

  ring(orderId: string | null): void {
    for (const listener of this.set) {
      try {
        listener(orderId);
      } catch {
        // A broken subscriber must not fail the writer, whose transaction has already committed.
      }
    }
  }
}

/** SQLite (one instance): the writers and the streams are in one process. */
export function createInProcessFeed(): ChangeFeed {
  const listeners = new Listeners();
  return {
    publish: (orderId) => listeners.ring(orderId),
    subscribe: (listener) => listeners.add(listener),
  };
}
