// The app's page inside the portal (POST /bitrix24/app) and its settings form
// (POST /bitrix24/app/settings): lib/bitrix24/app-page.ts decides, lib/bitrix24/app-page-html.ts
// renders. Route handlers, not a Next page: the portal opens an app's page with a POST
// (bitrix24/b24restdocs settings/oauth/simple-way.md), and a page cannot take one. No cookie: a
// frame often loses third-party cookies; every request carries AUTH_ID and member_id.
// The answer may be framed by the store's own portal only: the route puts the CSP (frame-ancestors
// that origin, or 'none' when the store is unknown) on its answer, since only it knows the store;
// proxy.ts leaves the CSP to it on these paths (lib/http/security-headers.ts).
import { z } from "zod";
import {
  appLangOf,
  authoriseFrame,
  loadAppPage,
  newFormNonce,
  saveAppSettings,
  APP_SETTINGS_PATH,
  type AppLang,
  type AppPageDeps,
  type AuthorisedFrame,
} from "@/lib/bitrix24/app-page";
import { appPageHtml, refusalHtml } from "@/lib/bitrix24/app-page-html";
import { bitrix24AppDeps } from "@/lib/container";
import { env } from "@/lib/env";
import { readRequest } from "@/lib/http/read-request";
import { errorOf, internalError } from "@/lib/http/responses";
import { scriptNonceOf, securityHeaders } from "@/lib/http/security-headers";
import { requestLog } from "@/lib/log";

function html(request: Request, status: number, body: string, portalOrigin: string | null): Response {
  const e = env();
  const pathname = new URL(request.url).pathname;
  const security = securityHeaders({
    pathname,
    bitrixOrigins: e.bitrixOrigins,
    sandboxEnabled: e.sandboxEnabled,
    https: e.appUrl.startsWith("https://"),
    dev: e.NODE_ENV === "development",
    nonce: scriptNonceOf(request.headers.get("content-security-policy")) ?? "none",
    appPortalOrigin: portalOrigin,
  });
  return new Response(body, {
    status,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "Content-Security-Policy": security["Content-Security-Policy"] ?? "frame-ancestors 'none'",
    },
  });
}

type Read = { deps: AppPageDeps; lang: AppLang; form: URLSearchParams } | { answer: Response };

async function readAppRequest(request: Request): Promise<Read> {
  const deps = bitrix24AppDeps();
  if (!deps) return { answer: errorOf("NOT_FOUND", "not found") };
  const lang = appLangOf(new URL(request.url).searchParams.get("LANG"));
  const input = await readRequest(request, { schema: z.unknown(), format: "form" });
  if (!input.ok) return { answer: html(request, 400, refusalHtml(lang, "refused"), null) };
  return { deps, lang, form: new URLSearchParams(input.value.raw) };
}

/** The page for an authorised frame: settings (the form for administrators) and the latest payments. */
async function pageOf(
  request: Request,
  deps: AppPageDeps,
  lang: AppLang,
  frame: AuthorisedFrame,
  authId: string,
  status: number,
  notice?: { kind: "saved" } | { kind: "error"; message: string },
): Promise<Response> {
  const view = await loadAppPage(deps, frame.store);
  const body = appPageHtml({
    lang,
    view,
    admin: frame.admin,
    ...(frame.admin
      ? {
          form: {
            action: `${APP_SETTINGS_PATH}?LANG=${lang}`,
            authId,
            memberId: frame.store.memberId ?? "",
            nonce: newFormNonce(deps.app, frame.store.id, authId),
          },
        }
      : {}),
    ...(notice ? { notice } : {}),
  });
  return html(request, status, body, frame.portalOrigin);
}

/**
 * The request's frame authorised by its AUTH_ID on the store's own portal (on every request: the
 * token may be another user's, expired or forged), or the refusal page, logged as `refused`.
 */
async function authorised(
  request: Request,
  route: string,
  refused: string,
): Promise<
  | { answer: Response }
  | { deps: AppPageDeps; lang: AppLang; form: URLSearchParams; frame: AuthorisedFrame; authId: string }
> {
  const read = await readAppRequest(request);
  if ("answer" in read) return read;
  const { deps, lang, form } = read;
  const authId = form.get("AUTH_ID");
  const frame = await authoriseFrame(deps, { memberId: form.get("member_id"), authId });
  if (frame.ok) return { deps, lang, form, frame, authId: authId ?? "" };
  requestLog(request, route).warn({ status: frame.status, reason: frame.reason }, refused);
  const kind = frame.status === 404 ? "notInstalled" : "refused";
  return { answer: html(request, frame.status, refusalHtml(lang, kind), frame.portalOrigin) };
}

export async function openAppPage(request: Request, route: string): Promise<Response> {
  try {
    const a = await authorised(request, route, "app page refused");
    if ("answer" in a) return a.answer;
    return await pageOf(request, a.deps, a.lang, a.frame, a.authId, 200);
  } catch (e) {
    return internalError(route, e);
  }
}

export async function saveFromAppPage(request: Request, route: string): Promise<Response> {
  try {
    const a = await authorised(request, route, "settings save refused");
    if ("answer" in a) return a.answer;
    const { deps, lang, form, frame, authId } = a;
    const outcome = await saveAppSettings(deps, frame, {
      authId,
      nonce: form.get("nonce"),
      form: Object.fromEntries(form),
    });
    if (outcome.ok) {
      requestLog(request, route).info(
        { storeId: frame.store.id, protocol: outcome.settings.protocol, mode: outcome.settings.mode },
        "store Kaspi settings saved",
      );
      const saved = {
        ...frame,
        store: (await deps.db.store.findUnique({ where: { id: frame.store.id } })) ?? frame.store,
      };
      return await pageOf(request, deps, lang, saved, authId, 200, { kind: "saved" });
    }
    requestLog(request, route).warn({ storeId: frame.store.id, reason: outcome.reason }, "settings not saved");
    if (outcome.status === 403) {
      return html(
        request,
        403,
        refusalHtml(lang, outcome.reason === "NOT_ADMIN" ? "notAdmin" : "refused"),
        frame.portalOrigin,
      );
    }
    return await pageOf(request, deps, lang, frame, authId, outcome.status, {
      kind: "error",
      message: outcome.message,
    });
  } catch (e) {
    return internalError(route, e);
  }
}
