import { NextRequest } from "next/server";
import { GET as eventsRoute } from "@/app/api/checkout/[token]/events/route";
import { POST as paymentRoute } from "@/app/api/checkout/[token]/payment/route";
import { GET as statusRoute } from "@/app/api/checkout/[token]/status/route";
import { POST as callbackRoute } from "@/app/api/kaspi/callback/route";
import { installPeerAddressStamp, PEER_HEADER } from "@/lib/http/peer-address";
import { proxy } from "@/proxy";

// The route handlers as the route tests see them:
// proxy.ts first, then the handler, with what Next does between the two — the request headers
// proxy.ts set (x-middleware-request-*), and proxy.ts's response headers under the handler's.
// The TCP peer is stamped as server.mjs stamps it. Only the paths the parity test sends are routed.

type Ctx = { params: Promise<{ token: string }> };
type Handler = (request: Request, ctx: Ctx) => Promise<Response>;

const ROUTES: { pattern: RegExp; method: string; handler: Handler }[] = [
  { pattern: /^\/api\/checkout\/([^/]+)\/status$/, method: "GET", handler: statusRoute },
  { pattern: /^\/api\/checkout\/([^/]+)\/events$/, method: "GET", handler: eventsRoute },
  { pattern: /^\/api\/checkout\/([^/]+)\/payment$/, method: "POST", handler: paymentRoute },
  { pattern: /^\/api\/kaspi\/callback$/, method: "POST", handler: (request) => callbackRoute(request) },
];

export async function throughNext(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; peer: string },
): Promise<Response> {
  installPeerAddressStamp();
  const method = init.method ?? "GET";
  const headers = new Headers(init.headers);
  headers.set(PEER_HEADER, init.peer);
  // What a server receives with a body (proxy.ts refuses oversize bodies by it).
  if (init.body !== undefined) headers.set("content-length", String(Buffer.byteLength(init.body)));
  const proxied = proxy(new NextRequest(url, { method, headers, body: init.body }));
  if (proxied.headers.get("x-middleware-next") !== "1") return proxied;

  const forwarded = new Headers(headers);
  for (const name of (proxied.headers.get("x-middleware-override-headers") ?? "").split(",").filter(Boolean)) {
    const value = proxied.headers.get(`x-middleware-request-${name}`);
    if (value === null) forwarded.delete(name);
    else forwarded.set(name, value);
  }
  const { pathname } = new URL(url);
  const route = ROUTES.find((r) => r.method === method && r.pattern.test(pathname));
  if (!route) throw new Error(`no route in this harness for ${method} ${pathname}`);
  const token = decodeURIComponent(route.pattern.exec(pathname)?.[1] ?? "");
  const answer = await route.handler(new Request(url, { method, headers: forwarded, body: init.body }), {
    params: Promise.resolve({ token }),
  });

  const out = new Headers();
  proxied.headers.forEach((value, name) => {
    if (!name.startsWith("x-middleware-")) out.set(name, value);
  });
  answer.headers.forEach((value, name) => out.set(name, value));
  return new Response(answer.body, { status: answer.status, headers: out });
}
