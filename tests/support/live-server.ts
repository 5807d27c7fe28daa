import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { openServerEntryForTests, serveThrough } from "@/lib/http/server-entry";
import { changeFeed } from "@/lib/live/change-feed";
import { createLiveHandler } from "@/lib/live/node-handler";
import { StatusHub } from "@/lib/live/status-hub";
import { closeStatusReader, readStatusSnapshot } from "@/lib/live/status-reader";

/**
 * server.mjs's routing (lib/http/server-entry.ts: the peer stamp, then the fast path of
 * lib/live/node-handler.ts) on a real node:http server on a free port. What the fast path does not
 * take would go to Next: here it is answered 299 and counted in `passedOn`.
 */
export async function startLiveServer(options: { callbackBodyDeadlineMs?: number; hub?: StatusHub } = {}): Promise<{
  origin: string;
  passedOn: () => number;
  hub: StatusHub;
  close: () => Promise<void>;
}> {
  openServerEntryForTests(); // as server.mjs does: the stamped peer is trusted in this process
  const hub =
    options.hub ??
    new StatusHub({ feed: changeFeed(), read: readStatusSnapshot, heartbeatMs: 60_000, lifetimeMs: 300_000 });
  const serve = serveThrough(createLiveHandler({ ...options, hub }));
  let passedOn = 0;
  const server = createServer((req, res) =>
    serve(req, res, async (_req, res) => {
      passedOn++;
      res.writeHead(299).end();
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    passedOn: () => passedOn,
    hub,
    close: async () => {
      hub.close();
      closeStatusReader();
      await new Promise((r) => server.close(r));
    },
  };
}
