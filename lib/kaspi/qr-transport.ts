import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent } from "undici";
import type { z } from "zod";
import type { KaspiResult } from "./gateway";
import { kaspiFetch } from "./http-client";
import { qrError } from "./qr-errors";
import { qrEnvelopeSchema } from "./qr-schemas";

// One call to the Kaspi QR merchant API: scheme headers (Api-Key for r1, the client certificate
// for r2/r3), a fresh X-Request-ID each time, OrganizationBin in every r3 body, and the
// { StatusCode, Message, Data } envelope turned into a typed result.

export type QrScheme = "r1" | "r2" | "r3";

export type QrTransportConfig = {
  /** e.g. https://qrapi.kaspi.kz:8543/r1/v01/ (ends with a slash). */
  baseUrl: string;
  scheme: QrScheme;
  /** r1 only. */
  apiKey?: string;
  /** r3 only: added to every request body. */
  organizationBin?: string;
  /** An undici Dispatcher carrying the client certificate (r2/r3). */
  dispatcher?: unknown;
  timeoutMs: number;
};

export type QrTlsFiles = {
  certFile?: string;
  keyFile?: string;
  pfxFile?: string;
  passphrase?: string;
  caFile?: string;
};

/**
 * The mTLS agent for r2/r3: the merchant's client certificate (PEM pair or PFX) and Kaspi's root
 * CA. Server certificates are always verified; with a CA file only that CA is trusted.
 */
export function createQrTlsAgent(files: QrTlsFiles): Agent {
  const read = (f: string) => readFileSync(f);
  return new Agent({
    connect: {
      ...(files.pfxFile ? { pfx: read(files.pfxFile) } : {}),
      ...(files.certFile ? { cert: read(files.certFile) } : {}),
      ...(files.keyFile ? { key: read(files.keyFile) } : {}),
      ...(files.passphrase ? { passphrase: files.passphrase } : {}),
      ...(files.caFile ? { ca: read(files.caFile) } : {}),
      rejectUnauthorized: true,
    },
  });
}

export async function qrCall<S extends z.ZodType>(
  config: QrTransportConfig,
  call: { method: "GET" | "POST"; path: string; body?: Record<string, unknown>; retries?: number },
  dataSchema: S,
): Promise<KaspiResult<z.infer<S>>> {
  const headers: Record<string, string> = { "X-Request-ID": randomUUID() };
  if (config.scheme === "r1" && config.apiKey) headers["Api-Key"] = config.apiKey;
  const body =
    call.body === undefined
      ? undefined
      : config.scheme === "r3" && config.organizationBin
        ? { ...call.body, OrganizationBin: config.organizationBin }
        : call.body;
  const res = await kaspiFetch({
    method: call.method,
    url: new URL(call.path, config.baseUrl).toString(),
    headers,
    ...(body === undefined ? {} : { body }),
    ...(config.dispatcher ? { dispatcher: config.dispatcher } : {}),
    timeoutMs: config.timeoutMs,
    ...(call.retries ? { retries: call.retries } : {}),
  });
  if (!res.ok) return res;
  const envelope = qrEnvelopeSchema.safeParse(res.value.json);
  if (!envelope.success) {
    return { ok: false, error: { kind: "invalid_response", message: "response is not a Kaspi QR envelope" } };
  }
  if (envelope.data.StatusCode !== 0) {
    return { ok: false, error: qrError(envelope.data.StatusCode, envelope.data.Message) };
  }
  const data = dataSchema.safeParse(envelope.data.Data);
  if (!data.success) {
    return { ok: false, error: { kind: "invalid_response", message: "Data does not have the documented shape" } };
  }
  return { ok: true, value: data.data };
}

/** Kept here for callers of the first version; the parser lives in qr-dates.ts. */
export { parseKaspiDate } from "./qr-dates";
