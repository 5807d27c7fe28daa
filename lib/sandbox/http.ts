import { env } from "../env";
import { errorOf, internalError, json } from "../http/responses";
import type { Fault } from "./faults";

// Shared by the sandbox's route handlers: the on/off switch, Kaspi-like auth, fault responses.

export const SANDBOX_HEADERS = { "X-Kaspi-Sandbox": "true" };

/** The sandbox exists only where it is enabled (no Kaspi token, or KASPI_SANDBOX=on). */
export function sandboxDisabled(): Response | null {
  return env().sandboxEnabled ? null : errorOf("SANDBOX_DISABLED", "the Kaspi sandbox is not enabled here");
}

/** A sandbox route handler: 404 where the sandbox is off, the handler's answer, or a bare 500. */
export async function sandboxRoute(name: string, handle: () => Promise<Response>): Promise<Response> {
  try {
    return sandboxDisabled() ?? (await handle());
  } catch (e) {
    return internalError(name, e);
  }
}

/** Kaspi's API wants a bearer token; the sandbox accepts any non-empty one. */
export function sandboxUnauthorized(request: Request): Response | null {
  const auth = request.headers.get("authorization") ?? "";
  return /^Bearer \S+$/.test(auth) ? null : errorOf("UNAUTHORIZED", "Authorization: Bearer <token> is required");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Plays an injected fault. Returns the response to send instead of the real one, or null to
 * carry on normally (after any delay). "timeout" sleeps past the caller's timeout and then still
 * acts: the request reached Kaspi but its answer was lost.
 */
export async function playFault(fault: Fault | null): Promise<Response | null> {
  if (!fault) return null;
  switch (fault.kind) {
    case "delay":
      await sleep(fault.delayMs);
      return null;
    case "timeout":
      await sleep(fault.delayMs || 30_000);
      return null;
    case "http_500":
      return json({ message: "Internal Server Error" }, 500, SANDBOX_HEADERS);
    case "http_429":
      return json({ message: "Too Many Requests" }, 429, { ...SANDBOX_HEADERS, "Retry-After": "1" });
    case "malformed":
      return new Response('{"data": {"status": ', {
        status: 200,
        headers: { "Content-Type": "application/json", ...SANDBOX_HEADERS },
      });
    case "status":
    case "drop":
    case "duplicate":
    case "refuse":
    case "json_refused":
    case "other_sum":
      return null;
  }
}
