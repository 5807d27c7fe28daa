// The one HTTP server of the app, in every mode: `npm start` (production), `npm run dev`
// (`--dev`), the e2e and process tests and the bench all run this file, as plain JavaScript on
// Node (nothing to transpile, no compile step of its own). It is Next's documented custom server
// (nextjs.org/docs/app/guides/custom-server: `next({ dev })`, `app.getRequestHandler()`) and only
// routes: the code that answers lives in Next's server bundle, which registers it while Next
// starts (instrumentation.ts → lib/node-services.ts, through the record below: see
// lib/http/server-entry.ts). Every request is stamped with its TCP peer, offered to the fast path
// (the status poll, the status stream and Kaspi's callbacks on plain node:http, behind the same
// gate as proxy.ts), and otherwise handed to Next.
// Usage: PORT=<port> node server.mjs [-H <host>] [--dev] [--welcome]   (PORT as lib/env.ts reads it)
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const option = (flag, fallback) => {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const dev = args.includes("--dev");
const hostname = option("-H", "0.0.0.0");
const port = Number(process.env.PORT || 3000);
const dir = path.dirname(fileURLToPath(import.meta.url));
// As `next start` and `next dev` set it, before Next (and React) load.
process.env.NODE_ENV ??= dev ? "development" : "production";
const { default: next } = await import("next");

// Next's bundle provides the handlers while Next starts (lib/http/server-entry.ts: ServerEntry);
// prepare() may resolve a moment before instrumentation.ts's register() has run.
let provide;
const provided = new Promise((resolve) => (provide = resolve));
globalThis[Symbol.for("kaspi-checkout.server-entry")] = { welcome: args.includes("--welcome"), provide };

const app = next({ dev, dir, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
const timeout = setTimeout(() => {
  console.error("server.mjs: Next started, but instrumentation.ts did not provide the app's handlers within 2 minutes");
  process.exit(1);
}, 120_000);
const entry = await provided;
clearTimeout(timeout);

const server = createServer((req, res) => entry.serve(req, res, handle));
// Longer than the idle timeouts of the clients and proxies in front (Node's 5 s default races
// with clients reusing an idle connection: ECONNRESET).
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(port, hostname, () => {
  console.log(`> Ready on http://${hostname}:${port}${dev ? " (development)" : ""}`);
  entry.listening({ port });
});

function shutdown() {
  entry.close(); // ends every status stream (and the change feed's connection) so that the server can close
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5_000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
