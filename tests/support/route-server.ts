import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { installPeerAddressStamp, PEER_HEADER } from "@/lib/http/peer-address";

// A few real route handlers on a real node:http server on a free port, for in-process tests of
// flows where the app calls itself over HTTP (the check/pay sandbox: the app POSTs the Kaspi
// button's JSON to /sandbox/kaspi/online, the sandbox's Kaspi calls /api/kaspi/checkpay). The TCP
// peer is stamped the way the production server stamps it (lib/http/peer-address.ts).

type Handler = (request: Request) => Promise<Response>;
export type Routes = Record<string, Partial<Record<"GET" | "POST", Handler>>>;

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startRouteServer(routes: Routes): Promise<{ port: number; close: () => Promise<void> }> {
  installPeerAddressStamp();
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const handler = routes[url.pathname]?.[req.method as "GET" | "POST"];
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(name, value);
      }
      headers.set(PEER_HEADER, req.socket.remoteAddress ?? "");
      const body = req.method === "GET" ? undefined : new Uint8Array(await bodyOf(req));
      const response = await handler(
        new Request(`http://127.0.0.1${url.pathname}${url.search}`, { method: req.method, headers, body }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
