// POST /bitrix24/install — the portal's install call for the Bitrix24 OAuth app
// (lib/bitrix24/install-use-case.ts: confirm AUTH_ID with app.info, store the tokens, register the
// pay system and bind ONAPPUNINSTALL with the app's token). The answer is the install page shown in
// the portal's frame: on success it loads //api.bitrix24.com/api/v1/ and calls BX24.installFinish()
// (bitrix24/b24restdocs settings/app-installation/installation-finish.md; Bitrix's own
// bitrix-tools/crest src/install.php); proxy.ts lets only that portal frame it
// (lib/http/security-headers.ts installFrameOrigin).
import { z } from "zod";
import { installApp } from "@/lib/bitrix24/install-use-case";
import { bitrix24AppDeps } from "@/lib/container";
import { readRequest } from "@/lib/http/read-request";
import { errorOf, internalError } from "@/lib/http/responses";
import { scriptNonceOf } from "@/lib/http/security-headers";
import { requestLog } from "@/lib/log";

export const dynamic = "force-dynamic";

function page(status: number, body: string, script: string | null, nonce: string | undefined): Response {
  const n = nonce ? ` nonce="${nonce}"` : "";
  const scripts = script
    ? `<script${n} src="https://api.bitrix24.com/api/v1/"></script><script${n}>${script}</script>`
    : "";
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Kaspi Pay</title>${scripts}</head><body><p>${body}</p></body></html>`;
  return new Response(html, {
    status,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}

export async function POST(request: Request): Promise<Response> {
  try {
    const deps = bitrix24AppDeps();
    if (!deps) return errorOf("NOT_FOUND", "not found");
    const input = await readRequest(request, { schema: z.unknown(), format: "form" });
    if (!input.ok) return errorOf(input.error.code, input.error.message);
    const outcome = await installApp(deps, { query: new URL(request.url).searchParams, body: input.value.raw });
    const nonce = scriptNonceOf(request.headers.get("content-security-policy"));
    if (outcome.ok) {
      return page(
        200,
        "Kaspi Pay is installed: the pay system “Kaspi Pay” is ready in the online store’s settings.",
        "BX24.init(function(){BX24.installFinish();});",
        nonce,
      );
    }
    requestLog(request, "POST /bitrix24/install").warn(
      { status: outcome.status, reason: outcome.reason },
      "install refused",
    );
    const text =
      outcome.status === 502
        ? "Kaspi Pay could not register its pay system on this portal. Open the app again to retry."
        : "This install call could not be confirmed.";
    return page(outcome.status, text, null, nonce);
  } catch (e) {
    return internalError("POST /bitrix24/install", e);
  }
}
