import { z } from "zod";

// A Bitrix24 inbound webhook client: POST https://<portal>/rest/<user>/<code>/<method> with a JSON
// body. Bitrix24 answers { result, time } or, with a 4xx/5xx, { error, error_description }.
// Never throws: network failures and malformed answers come back as errors too.

export type RestError = { ok: false; error: string; description: string; httpStatus: number };
export type RestAnswer<T> = { ok: true; result: T } | RestError;

export type Bitrix24Client = {
  call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<RestAnswer<T>>;
};

const WEBHOOK = /^(https?:\/\/[^/\s]+\/rest\/\d+\/[^/\s]+)\/?$/;

/** The webhook's base URL without a trailing slash, or null when it is not a webhook URL. */
export function normalizeWebhookUrl(url: string): string | null {
  const m = WEBHOOK.exec(url.trim());
  return m?.[1] ?? null;
}

const answerSchema = z.union([
  z.object({ result: z.unknown() }).loose(),
  z.object({ error: z.string(), error_description: z.string().optional() }).loose(),
]);

export function createBitrix24Client(options: { webhookUrl: string; timeoutMs?: number }): Bitrix24Client {
  const base = normalizeWebhookUrl(options.webhookUrl);
  if (!base) throw new Error("BITRIX24_WEBHOOK_URL must look like https://<portal>/rest/<user>/<code>/");
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async call<T>(method: string, params: Record<string, unknown> = {}): Promise<RestAnswer<T>> {
      let res: Response;
      try {
        res = await fetch(`${base}/${method}`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(params),
          redirect: "error",
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        const timedOut = e instanceof Error && e.name === "TimeoutError";
        return {
          ok: false,
          error: "NETWORK",
          description: timedOut ? `no answer within ${timeoutMs} ms` : "connection failed",
          httpStatus: 0,
        };
      }
      const text = await res.text().catch(() => "");
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, error: "MALFORMED", description: `HTTP ${res.status}, not JSON`, httpStatus: res.status };
      }
      return restAnswerOf<T>(res.status, json);
    },
  };
}

/**
 * A REST answer's JSON read as Bitrix24 writes it (webhook and OAuth alike): { result, time } or,
 * with an error, { error, error_description }; anything else is MALFORMED, and a non-2xx status
 * without an error body is HTTP_ERROR.
 */
export function restAnswerOf<T>(status: number, json: unknown): RestAnswer<T> {
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, error: "MALFORMED", description: `HTTP ${status}, unexpected body`, httpStatus: status };
  }
  if ("error" in parsed.data && typeof parsed.data.error === "string") {
    return {
      ok: false,
      error: parsed.data.error,
      description: String(parsed.data.error_description ?? ""),
      httpStatus: status,
    };
  }
  if (status < 200 || status > 299)
    return { ok: false, error: "HTTP_ERROR", description: `HTTP ${status}`, httpStatus: status };
  return { ok: true, result: (parsed.data as { result: T }).result };
}

export function describeRestError(method: string, e: RestError): string {
  return `${method}: ${e.error}${e.description ? ` — ${e.description}` : ""}`;
}
