import { EnvError, env } from "./env";
import { installPeerAddressStamp } from "./http/peer-address";
import { startWorker } from "./worker";

/** Check the configuration (a bad one stops the process, naming the variable) and start the worker. */
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
  installPeerAddressStamp();
  if (config.WORKER_ENABLED === "true") startWorker();
}
