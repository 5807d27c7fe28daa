import { db } from "../db";
import { readRequest } from "../http/read-request";
import { errorResponse, json } from "../http/responses";
import { ecomCreateRequestSchema } from "../kaspi/ecom-schemas";
import { takeFault } from "./faults";
import { playFault, SANDBOX_HEADERS, sandboxRoute, sandboxUnauthorized } from "./http";
import { sandboxCreatePayment } from "./sandbox-service";
import { sandboxUrlProblem } from "./url-policy";

/** POST payments/create and payments/qr of the simulated eCommerce API (one handler, two shapes). */
export async function handleSandboxCreate(request: Request, kind: "create" | "qr"): Promise<Response> {
  return sandboxRoute(`POST /sandbox/kaspi/api/v1/payments/${kind}`, async () => {
    const unauthorized = sandboxUnauthorized(request);
    if (unauthorized) return unauthorized;
    const req = await readRequest(request, { schema: ecomCreateRequestSchema });
    if (!req.ok) return errorResponse(req.error);
    const problem = sandboxUrlProblem(req.value.value);
    if (problem) return errorResponse({ code: "BAD_REQUEST", message: problem });
    const faulted = await playFault(await takeFault(db(), kind));
    if (faulted) return faulted;
    const created = await sandboxCreatePayment(db(), req.value.value, { withQrImage: kind === "qr" });
    if (!created.ok) return json({ error: { code: created.code, message: created.message } }, created.status);
    const { payment } = created;
    const common = { paymentId: payment.id, expiresAt: payment.expiresAt.toISOString() };
    const data =
      kind === "qr" ? { ...common, qrCode: created.qrPngBase64 } : { ...common, paymentLink: created.paymentLink };
    return json({ data }, 200, SANDBOX_HEADERS);
  });
}
