// The production server (`npm start`): Next's documented custom-server pattern
// (nextjs.org/docs/app/guides/custom-server: `next({ dev })`, `app.getRequestHandler()`) with one
// addition in front: the shopper's status poll and status stream are answered on plain node:http
// (lib/live/node-handler.ts), because Next's per-request pipeline costs far more CPU than the
// lookup itself. Every other request goes to Next unchanged. `npm run dev` does not use this file:
// the route handlers under app/ answer the same paths there.
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { env } from "./lib/env";
import { createLiveHandler } from "./lib/live/node-handler";
import { closeStatusReader } from "./lib/live/status-reader";
import { closeStatusHub } from "./lib/live/status-hub";

const port = env().PORT;
// `-H <host>` as with `next start` (scripts/start.mjs passes HOST through it).
const hostArg = process.argv.indexOf("-H");
const hostname = (hostArg > 0 && process.argv[hostArg + 1]) || "0.0.0.0";
const dir = path.dirname(fileURLToPath(import.meta.url));

const app = next({ dev: false, dir, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
const live = createLiveHandler();

const server = createServer((req, res) => {
  if (!live(req, res)) void handle(req, res);
});
// Longer than the idle timeouts of the clients and proxies in front (Node's 5 s default races
// with clients reusing an idle connection: ECONNRESET).
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(port, hostname, () => console.log(`> Ready on http://${hostname}:${port}`));

function shutdown(): void {
  closeStatusHub(); // ends every stream (and the change feed's connection) so that the server can close
  server.close(() => {
    closeStatusReader();
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 5_000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
