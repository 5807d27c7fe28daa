import { caseless, envelopeSchema } from "./envelope";

// One request to Webkassa: POST <base><path> with a JSON body and the integrator's key in the
// x-api-key header (docs/fiscal.md §1: every request in Webkassa's collection carries it; the
// session token travels in the body as Token). The answer comes back as one of four shapes; nothing
// here throws, and nothing here logs (bodies carry the token and the password).

export type WireAnswer =
  | { kind: "data"; data: unknown }
  | { kind: "errors"; errors: { code: number; text: string }[]; data: unknown }
  /** No usable answer. `maybeSent`: the request may have reached Webkassa (a timeout, a cut). */
  | { kind: "transport"; message: string; maybeSent: boolean };

export type WebkassaHttp = { baseUrl: string; apiKey: string; timeoutMs: number };

function connectionRefused(e: unknown): boolean {
  const cause = e instanceof Error ? (e.cause as { code?: string } | undefined) : undefined;
  return cause?.code === "ECONNREFUSED" || cause?.code === "ENOTFOUND" || cause?.code === "EAI_AGAIN";
}

export async function postWebkassa(
  http: WebkassaHttp,
  path: string,
  body: Record<string, unknown>,
): Promise<WireAnswer> {
  let res: Response;
  try {
    res = await fetch(`${http.baseUrl}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "x-api-key": http.apiKey },
      body: JSON.stringify(body),
      redirect: "error",
      signal: AbortSignal.timeout(http.timeoutMs),
    });
  } catch (e) {
    if (e instanceof Error && e.name === "TimeoutError") {
      return { kind: "transport", message: `no answer within ${http.timeoutMs} ms`, maybeSent: true };
    }
    // Refused before anything was sent: the request never arrived.
    if (connectionRefused(e)) return { kind: "transport", message: "connection refused", maybeSent: false };
    return { kind: "transport", message: "the connection failed", maybeSent: true };
  }
  let raw: string;
  try {
    raw = await res.text();
  } catch {
    return { kind: "transport", message: `HTTP ${res.status}, the answer was cut off`, maybeSent: true };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: "transport", message: `HTTP ${res.status}, not JSON`, maybeSent: true };
  }
  const envelope = envelopeSchema.safeParse(caseless(json));
  if (!envelope.success)
    return { kind: "transport", message: `HTTP ${res.status}, not Webkassa's envelope`, maybeSent: true };
  const { data, errors } = envelope.data;
  if (errors && errors.length) {
    return { kind: "errors", errors: errors.map((e) => ({ code: e.code, text: e.text ?? "" })), data };
  }
  if (!res.ok) return { kind: "transport", message: `HTTP ${res.status}`, maybeSent: true };
  if (data === undefined || data === null)
    return { kind: "transport", message: `HTTP ${res.status}, no Data`, maybeSent: true };
  return { kind: "data", data };
}
