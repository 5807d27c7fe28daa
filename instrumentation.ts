import { nextRuntime } from "./lib/env";

// Runs once when a server process starts: check the configuration, then start the worker.
export async function register(): Promise<void> {
  if (nextRuntime() !== "nodejs") return;
  const { env } = await import("./lib/env");
  const config = env(); // throws, naming the bad variable, before any request is served
  if (config.WORKER_ENABLED === "true") {
    const { startWorker } = await import("./lib/worker");
    startWorker();
  }
}
