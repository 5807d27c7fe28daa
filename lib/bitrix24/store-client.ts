import type { Db } from "../db";
import type { SecretKeyring } from "../stores/secrets";
import { currentAccessToken, refreshWithLease, type Store } from "../stores/store-repository";
import { createOAuthRestClient, refreshTokens } from "./oauth";
import type { Bitrix24Client } from "./rest-client";

// The REST client of one installed portal (a Store of kind bitrix24): the app's access token as
// `auth` on the portal's REST base (b24restdocs settings/oauth/index.md), read from the store's
// row at each call. On `expired_token` (_includes/system-errors.md) the token is renewed through
// refreshWithLease, so one refresh grant per expiry happens across every instance, and the call is
// repeated once (settings/oauth/auto-renewal.md, "Recommended token handling logic").
// An uninstalled store has no token: every call answers NO_TOKEN without reaching the portal.

export type Bitrix24App = { clientId: string; clientSecret: string; oauthUrl: string; oauthServer: string };

export type StoreClientDeps = {
  db: Db;
  keyring: SecretKeyring;
  app: Bitrix24App;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

export function storeRestClient(
  deps: StoreClientDeps,
  store: Pick<Store, "id" | "restBase" | "memberId">,
): Bitrix24Client {
  if (!store.restBase) throw new Error(`store ${store.id} has no REST base`);
  return createOAuthRestClient({
    restBase: store.restBase,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
    getAccessToken: () => currentAccessToken(deps.db, store.id, deps.keyring),
    onExpired: (expiredAccessToken) =>
      refreshWithLease(
        deps.db,
        store.id,
        async (refreshToken) => {
          const answer = await refreshTokens({
            oauthUrl: deps.app.oauthUrl,
            clientId: deps.app.clientId,
            clientSecret: deps.app.clientSecret,
            refreshToken,
            ...(store.memberId ? { memberId: store.memberId } : {}),
            ...(deps.fetch ? { fetch: deps.fetch } : {}),
          });
          if (!answer.ok) throw new Error(`refresh grant: ${answer.error}`);
          return {
            accessToken: answer.tokens.accessToken,
            refreshToken: answer.tokens.refreshToken,
            expiresAt: answer.tokens.expiresAt,
          };
        },
        { keyring: deps.keyring, expiredAccessToken },
      ),
  });
}
