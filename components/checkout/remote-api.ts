// The browser side of POST /api/checkout/{token}/remote (Kaspi QR r3 invoices by phone number).

export class RemoteApiError extends Error {
  override name = "RemoteApiError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type RemoteBody = { action: "client-info" | "send"; phone: string } | { action: "check" | "cancel" };

export async function remoteAction(token: string, body: RemoteBody): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`/api/checkout/${encodeURIComponent(token)}/remote`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new RemoteApiError("NETWORK", "network error");
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new RemoteApiError(error?.code ?? "HTTP_ERROR", error?.message ?? `HTTP ${res.status}`);
  }
  return json;
}
