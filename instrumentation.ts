// Runs once when a server process starts. `process.env.NEXT_RUNTIME` is inlined by Next at build
// time (not configuration), and must stay literal so the Edge bundle drops the Node-only code.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startNodeServices } = await import("./lib/node-services");
    startNodeServices();
  }
}
