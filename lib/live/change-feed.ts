import { db, isPostgresUrl } from "../db";
import { env } from "../env";
import { log } from "../log";
import { createInProcessFeed, type ChangeFeed } from "./change-listeners";
import { createPostgresFeed } from "./postgres-feed";

// The change feed: a doorbell that rings when an order's checkout status may have changed. It
// carries only the order id, never the status: every subscriber re-reads the database, so nothing
// about a payment is ever known only to one instance's memory, and a lost ring costs latency
// (the event stream re-reads on every heartbeat), never correctness.
//
// On SQLite (one instance) the feed is in-process (lib/live/change-listeners.ts). On PostgreSQL
// it is LISTEN/NOTIFY on one channel (lib/live/postgres-feed.ts): a ring reaches this instance's
// streams at once and every other instance's through the database; a listener may also hear
// "anything may have changed" (null) after its connection was re-established.

export type { ChangeFeed, ChangeListener } from "./change-listeners";
export { createInProcessFeed } from "./change-listeners";

// One feed per process, on globalThis, so that every copy of this module publishes to and reads
// from the same one: Next bundles instrumentation.ts, proxy.ts and the routes separately, each
// with its own copy of lib/ (see instrumentation.ts).
const holder = globalThis as unknown as { __checkoutChangeFeed?: ChangeFeed };

export function changeFeed(): ChangeFeed {
  holder.__checkoutChangeFeed ??= newFeed();
  return holder.__checkoutChangeFeed;
}

function newFeed(): ChangeFeed {
  const url = env().DATABASE_URL;
  if (!isPostgresUrl(url)) return createInProcessFeed();
  return createPostgresFeed({
    url,
    execute: (sql, params) => db().$executeRawUnsafe(sql, ...params),
    warn: (fields, message) => log().warn(fields, message),
  });
}

/** The one call every writer of an order's checkout-visible fields makes after committing. */
export function orderChanged(orderId: string): void {
  changeFeed().publish(orderId);
}
