import { db } from "../db";
import { errorResponse, internalError, json, parseWith, readJsonBody } from "../http/responses";
import { ecomCreateRequestSchema } from "../kaspi/ecom-schemas";
import { takeFault } from "./faults";
import { playFault, SANDBOX_HEADERS, sandboxDisabled, sandboxUnauthorized } from "./http";
import { sandboxCreatePayment } from "./sandbox-service";
import { sandboxUrlProblem } from "./url-policy";

/** POST payments/create and payments/qr of the simulated eCommerce API (one handler, two shapes). */
export async function handleSandboxCreate(request: Request, kind: "create" | "qr"): Promise<Response> {
  try {
    const blocked = sandboxDisabled() ?? sandboxUnauthorized(request);
    if (blocked) return blocked;
    const body = await readJsonBody(request);
    if (!body.ok) return errorResponse(body.error);
    const req = parseWith(ecomCreateRequestSchema, body.value.json);
    if (!req.ok) return errorResponse(req.error);
    const problem = sandboxUrlProblem(req.value);
    if (problem) return errorResponse({ code: "BAD_REQUEST", message: problem });
    const faulted = await playFault(await takeFault(db(), kind));
    if (faulted) return faulted;
    const created = await sandboxCreatePayment(db(), req.value, { withQrImage: kind === "qr" });
    if (!created.ok) return json({ error: { code: created.code, message: created.message } }, created.status);
    const { payment } = created;
    const common = { paymentId: payment.id, expiresAt: payment.expiresAt.toISOString() };
    const data =
      kind === "qr" ? { ...common, qrCode: created.qrPngBase64 } : { ...common, paymentLink: created.paymentLink };
    return json({ data }, 200, SANDBOX_HEADERS);
  } catch (e) {
    return internalError(`POST /sandbox/kaspi/api/v1/payments/${kind}`, e);
  }
}
