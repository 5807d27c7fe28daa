// Runs once when a server process starts, inside Next's server bundle: lib/node-services.ts
// checks the configuration, hands server.mjs the code that answers requests (the fast path and
// the client address stamp, lib/http/server-entry.ts) and starts the worker.
// `process.env.NEXT_RUNTIME` is inlined by Next at build time (not configuration), and must stay
// literal so the Edge bundle drops the Node-only code.
//
// Why some modules in lib/ keep their state on globalThis: Next compiles this file, proxy.ts and
// the app's routes into separate bundles, and each bundle evaluates its own copy of every lib/
// module it imports (measured with Next 16.4, in production and in dev: one module, three
// evaluations in one process; dev's hot reload adds more). What must be one per process — the
// rate limiter, the database client, the status hub and change feed, the callback rounds — lives
// on globalThis, and each such holder says so.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startNodeServices } = await import("./lib/node-services");
    startNodeServices();
  }
}
