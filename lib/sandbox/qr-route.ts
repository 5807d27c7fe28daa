import { db } from "../db";
import { z } from "zod";
import { readRequest } from "../http/read-request";
import { errorOf, internalError, json } from "../http/responses";
import { takeFault } from "./faults";
import { playFault, SANDBOX_HEADERS, sandboxDisabled } from "./http";
import type { Envelope } from "./qr-envelope";
import { sandboxClientInfo, sandboxRemoteCancel, sandboxRemoteCreate } from "./qr-remote-service";
import {
  sandboxPaymentDetails,
  sandboxQrReturn,
  sandboxReturnCreate,
  sandboxReturnOperations,
  sandboxReturnStatus,
} from "./qr-returns-service";
import {
  sandboxDeleteDevice,
  sandboxQrCreate,
  sandboxQrStatus,
  sandboxRegisterDevice,
  sandboxTradePoints,
} from "./qr-service";
import { sandboxTestPayment, type TestAction } from "./qr-test-service";

// Route handler of the simulated Kaspi QR API: /sandbox/kaspi/qr/{r1|r2|r3}/v01/{...path}.
// r1 wants an Api-Key; every request wants an X-Request-ID; r3 bodies must carry OrganizationBin
// (docs/kaspi.md §1). Methods a scheme does not have answer 404, as a missing path would (§2 table:
// no refunds on r1, the return QR on r2 only, remote invoices on r3 only).
// (The sandbox speaks plain HTTP, so r2/r3's client certificate is not checked here; the mTLS
// client is tested against a real TLS server in lib/kaspi/qr-mtls.test.ts.)

type Ctx = { params: Promise<{ scheme: string; path: string[] }> };
type Scheme = "r1" | "r2" | "r3";

const answer = (e: Envelope | { StatusCode: number; message: string }) => json(e, 200, SANDBOX_HEADERS);
const notInScheme = (scheme: string) => errorOf("NOT_FOUND", `no such Kaspi QR method in scheme ${scheme}`);

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
    const query = new URL(request.url).searchParams;
    const [a, b, c] = path;
    const method = `${a}/${b}`;
    if (method === "partner/tradepoints") return answer(sandboxTradePoints());
    if (method === "health/ping") return answer({ StatusCode: 0, Message: "OK" });
    if (method === "payment/status" && c) {
      const fault = await takeFault(db(), "status", c);
      const faulted = await playFault(fault);
      if (faulted) return faulted;
      return answer(await sandboxQrStatus(db(), c, fault?.kind === "status" ? fault.status : null));
    }
    if (method === "payment/details")
      return scheme === "r1" ? notInScheme(scheme) : answer(await sandboxPaymentDetails(db(), query));
    if (method === "return/status" && c)
      return scheme === "r2" ? answer(await sandboxReturnStatus(db(), c)) : notInScheme(scheme);
    if (method === "remote/client-info")
      return scheme === "r3" ? answer(await sandboxClientInfo(db(), query)) : notInScheme(scheme);
    return errorOf("NOT_FOUND", "unknown Kaspi QR method");
  } catch (e) {
    return internalError("GET /sandbox/kaspi/qr/…", e);
  }
}

const ONLY: Record<string, Scheme[]> = {
  "payment/return": ["r2", "r3"],
  "return/create": ["r2"],
  "return/operations": ["r2"],
  "remote/create": ["r3"],
  "remote/cancel": ["r3"],
};

export async function handleSandboxQrPost(request: Request, ctx: Ctx): Promise<Response> {
  try {
    const { scheme, path } = await ctx.params;
    const blocked = await guard(request, scheme);
    if (blocked) return blocked;
    const read = await readRequest(request, { schema: anyObject });
    if (!read.ok) return errorOf(read.error.code, read.error.message);
    const body = read.value.value;
    const method = path.join("/");
    if (ONLY[method] && !ONLY[method].includes(scheme as Scheme)) return notInScheme(scheme);
    if (method.startsWith("test/payment/")) {
      const action = method.slice("test/payment/".length);
      if (!["scan", "confirm", "scanerror", "confirmerror"].includes(action))
        return errorOf("NOT_FOUND", "unknown test method");
      return answer(await sandboxTestPayment(db(), action as TestAction, body));
    }
    if (scheme === "r3" && typeof body.OrganizationBin !== "string") {
      return answer({ StatusCode: -10000, Message: "OrganizationBin is required (r3)" });
    }
    switch (method) {
      case "device/register":
        return answer(await sandboxRegisterDevice(db(), body));
      case "device/delete":
        return answer(await sandboxDeleteDevice(db(), body));
      case "qr/create":
      case "qr/create-link": {
        const faulted = await playFault(await takeFault(db(), "create"));
        if (faulted) return faulted;
        return answer(await sandboxQrCreate(db(), body, method === "qr/create" ? "qr" : "link"));
      }
      case "payment/return":
        return answer(await sandboxQrReturn(db(), body, scheme as Scheme));
      case "return/create":
        return answer(await sandboxReturnCreate(db(), body));
      case "return/operations":
        return answer(await sandboxReturnOperations(db(), body));
      case "remote/create":
        return answer(await sandboxRemoteCreate(db(), body));
      case "remote/cancel":
        return answer(await sandboxRemoteCancel(db(), body));
      default:
        return errorOf("NOT_FOUND", "unknown Kaspi QR method");
    }
  } catch (e) {
    return internalError("POST /sandbox/kaspi/qr/…", e);
  }
}
