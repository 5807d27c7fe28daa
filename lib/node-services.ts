import { env } from "./env";
import { installPeerAddressStamp } from "./http/peer-address";
import { startWorker } from "./worker";

/** Check the configuration (throws, naming the bad variable) and start the background worker. */
export function startNodeServices(): void {
  const config = env();
  installPeerAddressStamp();
  if (config.WORKER_ENABLED === "true") startWorker();
}
