import { env } from "../env";
import { clientAddressOf } from "../http/client-address";
import { inList } from "../http/ip-list";

// Who may call the check/pay endpoint: KASPI_CHECKPAY_ALLOWED_IPS (first name
// KASPI_GATEWAY_ALLOWED_IPS, read with a warning), judged on the one client address (lib/http/client-address.ts:
// X-Forwarded-For only from TRUSTED_PROXIES). Both lists are parsed at start (lib/env.ts).

export type Access = { allowed: true; client: string } | { allowed: false; client: string | null };

export function checkpayAccess(request: Request): Access {
  const client = clientAddressOf(request);
  return client && inList(env().checkpayAllowList, client) ? { allowed: true, client } : { allowed: false, client };
}
