import { db } from "./db";
import { EnvError, env } from "./env";
import { serveThrough, serverEntry } from "./http/server-entry";
import { createLiveHandler } from "./live/node-handler";
import { closeStatusHub } from "./live/status-hub";
import { errorMessage, log } from "./log";
import { ensureDefaultStore } from "./stores/store-repository";
import { welcome } from "./welcome";
import { startWorker } from "./worker";

/**
 * Runs once when the server process starts (instrumentation.ts), inside Next's server bundle:
 * check the configuration (a bad one stops the process, naming the variable), hand server.mjs the
 * code that answers requests (lib/http/server-entry.ts) and start the worker.
 */
export function startNodeServices(): void {
  let config;
  try {
    config = env();
  } catch (e) {
    // Refuse to serve at all: a half-started server would answer with a misconfigured app.
    if (e instanceof EnvError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  for (const warning of config.warnings) console.warn(`[start] warning: ${warning}`);
  const entry = serverEntry();
  if (!entry) {
    // `next start` or `next dev` alone: no fast path and no stamped client address, so every
    // client would share one rate-limit bucket. One way in: server.mjs.
    console.error("Start the app with `npm start` or `npm run dev` (server.mjs), not with `next start`/`next dev`.");
    process.exit(1);
  }
  entry.provide({
    serve: serveThrough(createLiveHandler()),
    listening: ({ port }) => {
      if (!entry.welcome) return;
      welcome(`http://127.0.0.1:${port}`).catch((error: unknown) =>
        log().error({ error: errorMessage(error) }, "welcome failed"),
      );
    },
    close: closeStatusHub,
  });
  // The environment's store as a Store row (lib/stores/store-repository.ts). Requests do not wait
  // for it and a failure does not stop the server: every row already defaults to this store.
  Promise.resolve()
    .then(() => ensureDefaultStore(db(), config))
    .catch((error: unknown) => log().error({ error: errorMessage(error) }, "the default store could not be recorded"));
  if (config.WORKER_ENABLED === "true") startWorker();
}
