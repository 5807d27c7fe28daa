import { db } from "../db";
import { readRequest } from "../http/read-request";
import { errorResponse, json } from "../http/responses";
import { playFault, SANDBOX_HEADERS, sandboxRoute } from "./http";
import { ONLINE_CODES, onlineBodySchema, sandboxOnline, takeOnlineFault, type OnlineVariant } from "./online-service";

// POST /sandbox/kaspi/online — the simulated Kaspi button, both variants (online-service.ts):
// JSON in → Kaspi's JSON answer out; a browser form in → on to the Kaspi app page (303), or a page
// that says why not. Injected faults: refuse, json_refused (415 to JSON only), and the transport
// ones (timeout = no answer in time, http_500, http_429, malformed).

const escapeHtml = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", '"': "&quot;" })[c] ?? c);

/** What a browser sees when Kaspi does not take its form (or a JSON client whose JSON Kaspi refuses). */
function page(status: number, message: string): Response {
  const body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kaspi.kz (sandbox)</title></head>` +
    `<body><p><strong>SANDBOX</strong> — not real Kaspi.</p><h1>Kaspi.kz</h1>` +
    `<p data-testid="sandbox-online-error">${escapeHtml(message)}</p></body></html>`;
  return new Response(body, {
    status,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", ...SANDBOX_HEADERS },
  });
}

function refusal(variant: OnlineVariant, code: number, message: string, status = 200): Response {
  return variant === "json"
    ? json({ code, redirectUrl: null, message, qrCodeImage: null }, status, SANDBOX_HEADERS)
    : page(status === 200 ? 422 : status, message);
}

export function handleSandboxOnline(request: Request): Promise<Response> {
  return sandboxRoute("POST /sandbox/kaspi/online", async () => {
    const variant: OnlineVariant = /^application\/json\b/i.test(request.headers.get("content-type") ?? "")
      ? "json"
      : "form";
    const body = await readRequest(request, { schema: onlineBodySchema, format: variant });
    if (!body.ok) {
      return body.error.code === "VALIDATION_FAILED"
        ? refusal(variant, ONLINE_CODES.BAD_REQUEST, body.error.message, 400)
        : errorResponse(body.error, SANDBOX_HEADERS);
    }
    // A fault may name the order (its TranId) as its paymentId, so parallel tests keep their own.
    const fault = await takeOnlineFault(db(), body.value.value.TranId);
    if (variant === "json" && fault?.kind === "json_refused") {
      return page(415, "This address takes the payment form, not JSON (sandbox fault json_refused).");
    }
    const played = await playFault(fault);
    if (played) return played;
    const result = await sandboxOnline(db(), body.value.value, variant, fault);
    if (!result.ok) return refusal(variant, result.code, result.message);
    if (variant === "form") {
      return new Response(null, { status: 303, headers: { Location: result.redirectUrl, ...SANDBOX_HEADERS } });
    }
    return json(
      {
        code: ONLINE_CODES.OK,
        redirectUrl: result.redirectUrl,
        message: "",
        ...(result.qrCodeImage ? { qrCodeImage: result.qrCodeImage } : {}),
      },
      200,
      SANDBOX_HEADERS,
    );
  });
}
