import { env } from "../env";
import { clientAddress } from "./ip-list";
import { peerAddressOf, type HeaderSource } from "./peer-address";

// The one answer to "who is calling?" for rate limits, sign-in throttling, logs and check/pay,
// on every path (proxy.ts, the route handlers and the fast path in lib/live/node-handler.ts): the
// socket's peer, or behind TRUSTED_PROXIES the nearest untrusted X-Forwarded-For hop.
// TRUSTED_PROXIES is parsed at start with the rest of the configuration (lib/env.ts).

/** The caller's address from a request's headers, or null where there is no stamped peer (then nothing is trusted). */
export function clientAddressFrom(headers: HeaderSource): string | null {
  return clientAddress({
    peer: peerAddressOf(headers),
    forwardedFor: headers.get("x-forwarded-for"),
    trustedProxies: env().trustedProxyList,
  });
}

/** The caller's address, or null where server.mjs did not stamp the socket peer (then nothing is trusted). */
export function clientAddressOf(request: Request): string | null {
  return clientAddressFrom(request.headers);
}
