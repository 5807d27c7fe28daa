import { db } from "../db";
import { z } from "zod";
import { readRequest } from "../http/read-request";
import { errorOf, internalError, json } from "../http/responses";
import { takeFault } from "./faults";
import { playFault, SANDBOX_HEADERS, sandboxDisabled } from "./http";
import {
  sandboxQrCreate,
  sandboxQrReturn,
  sandboxQrStatus,
  sandboxRegisterDevice,
  sandboxTradePoints,
  type Envelope,
} from "./qr-service";

// Route handler of the simulated Kaspi QR API: /sandbox/kaspi/qr/{r1|r2|r3}/v01/{...path}.
// r1 wants an Api-Key; every request wants an X-Request-ID; r3 bodies must carry OrganizationBin.
// (The sandbox speaks plain HTTP, so r2/r3's client certificate is not checked here; the mTLS
// client is tested against a real TLS server in lib/kaspi/qr-mtls.test.ts.)

type Ctx = { params: Promise<{ scheme: string; path: string[] }> };

const answer = (e: Envelope) => json(e, 200, SANDBOX_HEADERS);

// Kaspi QR answers a bad field inside its envelope (StatusCode), so any JSON is let through here
// and a non-object reads as {}: each method checks its own fields.
const anyObject = z.unknown().transform((v) => (typeof v === "object" && v ? v : {}) as Record<string, unknown>);

async function guard(request: Request, scheme: string): Promise<Response | null> {
  const blocked = sandboxDisabled();
  if (blocked) return blocked;
  if (!["r1", "r2", "r3"].includes(scheme)) return errorOf("NOT_FOUND", "unknown scheme");
  if (!request.headers.get("x-request-id")) return errorOf("BAD_REQUEST", "X-Request-ID is required");
  if (scheme === "r1" && !request.headers.get("api-key")) return errorOf("UNAUTHORIZED", "Api-Key is required");
  return null;
}

export async function handleSandboxQrGet(request: Request, ctx: Ctx): Promise<Response> {
  try {
    const { scheme, path } = await ctx.params;
    const blocked = await guard(request, scheme);
    if (blocked) return blocked;
    const [a, b, c] = path;
    if (a === "partner" && b === "tradepoints") return answer(sandboxTradePoints());
    if (a === "payment" && b === "status" && c) {
      const fault = await takeFault(db(), "status", c);
      const faulted = await playFault(fault);
      if (faulted) return faulted;
      return answer(await sandboxQrStatus(db(), c, fault?.kind === "status" ? fault.status : null));
    }
    return errorOf("NOT_FOUND", "unknown Kaspi QR method");
  } catch (e) {
    return internalError("GET /sandbox/kaspi/qr/…", e);
  }
}

export async function handleSandboxQrPost(request: Request, ctx: Ctx): Promise<Response> {
  try {
    const { scheme, path } = await ctx.params;
    const blocked = await guard(request, scheme);
    if (blocked) return blocked;
    const read = await readRequest(request, { schema: anyObject });
    if (!read.ok) return errorOf(read.error.code, read.error.message);
    const body = read.value.value;
    if (scheme === "r3" && typeof body.OrganizationBin !== "string") {
      return answer({ StatusCode: -10000, Message: "OrganizationBin is required (r3)" });
    }
    const method = path.join("/");
    switch (method) {
      case "device/register":
        return answer(await sandboxRegisterDevice(db(), body));
      case "qr/create":
      case "qr/create-link": {
        const faulted = await playFault(await takeFault(db(), "create"));
        if (faulted) return faulted;
        return answer(await sandboxQrCreate(db(), body, method === "qr/create" ? "qr" : "link"));
      }
      case "payment/return":
        return answer(await sandboxQrReturn(db(), body));
      default:
        return errorOf("NOT_FOUND", "unknown Kaspi QR method");
    }
  } catch (e) {
    return internalError("POST /sandbox/kaspi/qr/…", e);
  }
}
