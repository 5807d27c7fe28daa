import { env } from "./env";
import { startWorker } from "./worker";

/** Check the configuration (throws, naming the bad variable) and start the background worker. */
export function startNodeServices(): void {
  const config = env();
  if (config.WORKER_ENABLED === "true") startWorker();
}
