import { env } from "../env";
import { clientAddress } from "./ip-list";
import { peerAddressOf } from "./peer-address";

// The one answer to "who is calling?" for rate limits, sign-in throttling, logs and check/pay:
// the socket's peer, or behind TRUSTED_PROXIES the nearest untrusted X-Forwarded-For hop.
// TRUSTED_PROXIES is parsed at start with the rest of the configuration (lib/env.ts).

/** The caller's address, or null where the server did not stamp the socket peer (then nothing is trusted). */
export function clientAddressOf(request: Request): string | null {
  return clientAddress({
    peer: peerAddressOf(request),
    forwardedFor: request.headers.get("x-forwarded-for"),
    trustedProxies: env().trustedProxyList,
  });
}
