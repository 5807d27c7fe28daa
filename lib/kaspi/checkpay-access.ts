import type { BlockList } from "node:net";
import { env } from "../env";
import { clientAddressOf, resetClientAddressForTests } from "../http/client-address";
import { addressList, inList } from "../http/ip-list";

// Who may call the check/pay endpoint: KASPI_GATEWAY_ALLOWED_IPS, judged on the one client
// address (lib/http/client-address.ts: X-Forwarded-For only from TRUSTED_PROXIES). Parsed once.

let allowed: BlockList | undefined;

export function resetCheckpayAccessForTests(): void {
  allowed = undefined;
  resetClientAddressForTests();
}

export type Access = { allowed: true; client: string } | { allowed: false; client: string | null };

export function checkpayAccess(request: Request): Access {
  allowed ??= addressList(env().checkpayAllowedIps);
  const client = clientAddressOf(request);
  return client && inList(allowed, client) ? { allowed: true, client } : { allowed: false, client };
}
