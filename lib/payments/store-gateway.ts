import type { Result } from "../errors";
import { ok } from "../errors";
import type { KaspiGateway } from "../kaspi/gateway";
import { DEFAULT_STORE_ID } from "../stores/store-id";

// Each store talks to Kaspi through its own contract (docs/stores.md): a payment is created, read
// and refunded with the gateway of the store it belongs to. Use cases get the default store's
// gateway as `gateway` and, where they can meet another store's payment, `gatewayFor`
// (lib/container.ts: kaspiGatewayFor). A store that cannot reach Kaspi (no contract chosen, test
// mode with the sandbox off) is an error the caller answers with (409 KASPI_NOT_CONFIGURED).

export type GatewayFor = (storeId: string) => Promise<Result<KaspiGateway>>;

export type StoreGatewayDeps = { gateway: KaspiGateway; gatewayFor?: GatewayFor };

/** The gateway of `storeId`'s payments: deps.gateway for the default store (or when no resolver is given). */
export async function gatewayOf(
  deps: StoreGatewayDeps,
  storeId: string | null | undefined,
): Promise<Result<KaspiGateway>> {
  if (!deps.gatewayFor || !storeId || storeId === DEFAULT_STORE_ID) return ok(deps.gateway);
  return deps.gatewayFor(storeId);
}

/** deps with `gateway` set to `storeId`'s, so everything after speaks to that store's Kaspi only. */
export async function scopedToStore<D extends StoreGatewayDeps>(
  deps: D,
  storeId: string | null | undefined,
): Promise<Result<Omit<D, "gatewayFor">>> {
  const gateway = await gatewayOf(deps, storeId);
  if (!gateway.ok) return gateway;
  const { gatewayFor: _resolver, ...rest } = deps;
  void _resolver;
  return ok({ ...rest, gateway: gateway.value });
}
