import type { BlockList } from "node:net";
import { env } from "../env";
import { peerAddressOf } from "../http/peer-address";
import { addressList, clientAddress, inList } from "./checkpay-ip";

// Who may call the check/pay endpoint: KASPI_GATEWAY_ALLOWED_IPS, with X-Forwarded-For honoured
// only from KASPI_GATEWAY_TRUSTED_PROXIES. Lists are parsed once per process.

let cached: { allowed: BlockList; proxies: BlockList } | undefined;

function lists() {
  const e = env();
  cached ??= { allowed: addressList(e.checkpayAllowedIps), proxies: addressList(e.checkpayTrustedProxies) };
  return cached;
}

export function resetCheckpayAccessForTests(): void {
  cached = undefined;
}

export type Access = { allowed: true; client: string } | { allowed: false; client: string | null };

export function checkpayAccess(request: Request): Access {
  const { allowed, proxies } = lists();
  const client = clientAddress({
    peer: peerAddressOf(request),
    forwardedFor: request.headers.get("x-forwarded-for"),
    trustedProxies: proxies,
  });
  return client && inList(allowed, client) ? { allowed: true, client } : { allowed: false, client };
}
