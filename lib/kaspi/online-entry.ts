import type { KaspiResult } from "./gateway";
import { kaspiSend } from "./http-client";
import { onlineAnswerSchema, type OnlineAnswer, type OnlineRequest } from "./online-schemas";

// The one server-side POST of the Kaspi button per payment start (docs/kaspi.md §8). What comes
// back is sorted three ways:
// - Kaspi spoke the JSON variant (a JSON object with `code`): the answer, refusal or not;
// - Kaspi did not take JSON at all (a 3xx/4xx, or a page instead of JSON): "json_refused", and the
//   checkout falls back to the browser form, which public HTML integrations post to the same URL;
// - nothing usable came (timeout, connection, 5xx, 429): "unavailable", retried like any Kaspi call.
// Redirects are handed back, never followed (the order would go wherever they point).

export type OnlineOutcome = { kind: "answered"; answer: OnlineAnswer } | { kind: "json_refused"; reason: string };

export async function postOnline(input: {
  url: string;
  request: OnlineRequest;
  timeoutMs: number;
}): Promise<KaspiResult<OnlineOutcome>> {
  const sent = await kaspiSend({
    method: "POST",
    url: input.url,
    headers: {},
    body: input.request,
    timeoutMs: input.timeoutMs,
    redirect: "manual",
  });
  if (!sent.ok) return sent;
  const { status, text } = sent.value;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = onlineAnswerSchema.safeParse(json);
  if (parsed.success) return { ok: true, value: { kind: "answered", answer: parsed.data } };
  if (status >= 300 || json === undefined) {
    const what = json === undefined ? "a page, not JSON" : "JSON without a code";
    return {
      ok: true,
      value: { kind: "json_refused", reason: `Kaspi answered the JSON request with HTTP ${status} (${what})` },
    };
  }
  return { ok: false, error: { kind: "invalid_response", message: "Kaspi's answer has no code", httpStatus: status } };
}
