import type { Db } from "../db";
import { log } from "../log";
import type { SecretKeyring } from "../stores/secrets";
import { saveInstall, type Store } from "../stores/store-repository";
import { parseInstallCall, verifyInstall } from "./oauth";
import { registerPaySystem } from "./register";
import { describeRestError, type Bitrix24Client, type RestAnswer } from "./rest-client";
import { storeRestClient, type Bitrix24App } from "./store-client";

// POST /bitrix24/install: the portal's install call for the OAuth app. Sources (bitrix24/b24restdocs
// unless another repository is named):
// - The call: DOMAIN, PROTOCOL, LANG, APP_SID in the query; AUTH_ID, AUTH_EXPIRES, REFRESH_ID,
//   SERVER_ENDPOINT, APPLICATION_TOKEN, APPLICATION_SCOPE, member_id, status, PLACEMENT in the form
//   body (settings/oauth/simple-way.md). Parsed by parseInstallCall; plain http only to a loopback
//   portal, and only while the Kaspi sandbox is on (tests).
// - Nothing in it is trusted until app.info on the authorization server confirms AUTH_ID with our
//   client id and the call's member_id (simple-way.md: ask oauth.bitrix.info for a trusted answer;
//   the answer's shape: bitrix24/b24pysdk bitrix_app_info_response.py). Only then is a store made
//   or its tokens replaced (keyed by member_id, which survives a change of domain).
// - With the app's token: the REST pay system handler (IFRAME_DATA) and one pay system per ORDER person type
//   (api-reference/pay-system/sale-pay-system-handler-add.md, sale-pay-system-add.md; the registry
//   check as avshatalov48/bitrix-core-business modules/sale/lib/paysystem/restservice.php), the
//   handler's ACTION_URI carrying the store's own key; then ONAPPUNINSTALL bound to our events URL
//   (api-reference/events/event-bind.md; api-reference/common/events/on-app-uninstall.md).
//   Handlers an app binds are the app's: the portal removes them when the app is removed
//   (event-bind.md), unlike those made through an inbound webhook.
// - The answer is the page that calls BX24.installFinish() (settings/app-installation/
//   installation-finish.md; Bitrix's own bitrix-tools/crest src/install.php loads
//   //api.bitrix24.com/api/v1/ and calls it in BX24.init): the route renders it.

export type InstallDeps = {
  db: Db;
  keyring: SecretKeyring;
  app: Bitrix24App;
  appUrl: string;
  /** Plain http to a loopback portal: only while the Kaspi sandbox is on (tests). */
  allowLoopbackHttp: boolean;
  fetch?: typeof fetch;
  /** How long the whole install may take (default INSTALL_BUDGET_MS). */
  budgetMs?: number;
};

/**
 * The bound on an install: registered within 30 s of the portal's call. The portal waits
 * for our answer in its install frame, so every REST call of the install shares one budget, a
 * little under 30 s; a call that would end after it is answered as failed (502, "open the app
 * again": a repeat install finds what was done and only completes it).
 */
export const INSTALL_BUDGET_MS = 28_000;

/** The client, with each call cut off at the install's deadline. */
function withinDeadline(client: Bitrix24Client, deadline: number): Bitrix24Client {
  return {
    async call<T>(method: string, params?: Record<string, unknown>) {
      const left = deadline - Date.now();
      const late: RestAnswer<T> = {
        ok: false,
        error: "DEADLINE",
        description: `the install's ${INSTALL_BUDGET_MS / 1000} s were used up before ${method} answered`,
        httpStatus: 0,
      };
      if (left <= 0) return late;
      let timer: NodeJS.Timeout | undefined;
      const cutOff = new Promise<RestAnswer<T>>((resolve) => {
        timer = setTimeout(() => resolve(late), left);
      });
      try {
        return await Promise.race([client.call<T>(method, params), cutOff]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type InstallFailure = {
  /** 422 malformed call, 401 not confirmed by app.info, 502 the portal refused a registration call. */
  status: 422 | 401 | 502;
  reason: string;
};

export type InstallOutcome =
  | { ok: true; store: Store; portalOrigin: string; actions: string[] }
  | ({ ok: false; portalOrigin: string | null } & InstallFailure);

export const EVENTS_PATH = "/bitrix24/events";
export const UNINSTALL_EVENT = "ONAPPUNINSTALL";

export async function installApp(
  deps: InstallDeps,
  input: { query: URLSearchParams; body: string },
): Promise<InstallOutcome> {
  const parsed = parseInstallCall(
    { query: Object.fromEntries(input.query), body: input.body },
    { allowLoopbackHttp: deps.allowLoopbackHttp },
  );
  if (!parsed.ok) return { ok: false, portalOrigin: null, status: 422, reason: parsed.problems.join("; ") };
  const install = parsed.install;
  const deadline = Date.now() + (deps.budgetMs ?? INSTALL_BUDGET_MS);
  const portalOrigin = new URL(install.restBase).origin;

  const verified = await verifyInstall({
    oauthServer: deps.app.oauthServer,
    authId: install.authId,
    clientId: deps.app.clientId,
    memberId: install.memberId,
    domain: install.domain,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  if (!verified.ok) {
    return { ok: false, portalOrigin, status: 401, reason: `app.info: ${verified.reason} — ${verified.description}` };
  }

  const store = await saveInstall(
    deps.db,
    {
      memberId: install.memberId,
      domain: install.domain,
      restBase: install.restBase,
      lang: install.lang,
      scope: install.scope,
      accessToken: install.authId,
      refreshToken: install.refreshId,
      expiresAt: Date.now() + install.authExpiresSeconds * 1000,
      applicationToken: install.applicationToken,
    },
    deps.keyring,
  );
  const client = withinDeadline(storeRestClient(deps, store), deadline);
  const registered = await registerPaySystem({
    client,
    appUrl: deps.appUrl,
    // IFRAME_DATA: Bitrix24 frames our page in its own payment step and posts it the payment
    // (RestHandler::getIframeTemplate, sale/lib/paysystem/resthandler.php). The key names this
    // store; the portal's origin is the one frame and message sender the page accepts
    // (lib/bitrix24/pay-frame.ts). CHECKOUT_DATA's endpoint keeps answering the same key.
    mode: "iframe",
    checkoutKey: store.checkoutKey ?? undefined,
    portalOrigin,
  });
  if (!registered.ok) return { ok: false, portalOrigin, status: 502, reason: registered.error };
  const bound = await bindUninstall(client, `${deps.appUrl.replace(/\/+$/, "")}${EVENTS_PATH}`);
  if (!bound.ok) return { ok: false, portalOrigin, status: 502, reason: bound.error };
  const actions = [...registered.actions, bound.action];
  log().info({ storeId: store.id, domain: install.domain, actions }, "Bitrix24 app installed");
  return { ok: true, store, portalOrigin, actions };
}

/**
 * event.bind ONAPPUNINSTALL → our events URL (event-bind.md). A repeat install finds it bound
 * already: the portal answers ERROR_HANDLER_ALREADY_EXIST, which is success here.
 */
async function bindUninstall(
  client: Bitrix24Client,
  handler: string,
): Promise<{ ok: true; action: string } | { ok: false; error: string }> {
  const answer = await client.call("event.bind", { event: UNINSTALL_EVENT, handler });
  if (answer.ok) return { ok: true, action: `bound ${UNINSTALL_EVENT} → ${handler}` };
  if (answer.error === "ERROR_HANDLER_ALREADY_EXIST") return { ok: true, action: `${UNINSTALL_EVENT} already bound` };
  return { ok: false, error: describeRestError("event.bind", answer) };
}
