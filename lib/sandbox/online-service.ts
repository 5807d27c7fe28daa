import { randomInt } from "node:crypto";
import QRCode from "qrcode";
import { z } from "zod";
import type { Db } from "../db";
import { env } from "../env";
import { takeFault, type Fault } from "./faults";
import { sandboxProviderPath } from "./checkpay-service";
import { paymentLinkFor } from "./sandbox-service";
import { sandboxUrlProblem } from "./url-policy";

// The simulated Kaspi button, POST /sandbox/kaspi/online (docs/kaspi.md, "The Kaspi button"). Like
// the public integrations show it, the order comes either as JSON from the store's server
// (binsabit/jetinno-kaspi kaspi_quick_pay.go, ingeniousalpha/gamerpro payment_services.py,
// kazitechkz/digital_queue kaspi_api_client.py) or as a browser form with the same fields minus
// refererHost and GenerateQrCode (the HTML forms the code corpus holds for kaspi.kz/online).
// JSON gets { code, redirectUrl, message, qrCodeImage } (a real PNG when GenerateQrCode); the form
// is sent on to the "Kaspi app" page. The sandbox records "what Kaspi knows": the Service's
// account (TranId, passed to check/pay as `account`), the amount in tenge and the store's returnUrl.
// Codes other than 0 are the sandbox's own: no public source lists Kaspi's.

export const ONLINE_CODES = { OK: 0, UNKNOWN_SERVICE: 1, BAD_REQUEST: 2, RETURN_URL: 3, REFUSED: 4 } as const;

const text = (max: number) =>
  z.union([z.string(), z.number().transform(String)]).pipe(z.string().trim().min(1).max(max));

/** JSON or form fields; a form carries everything as text, one public client sends JSON numbers as strings. */
export const onlineBodySchema = z.object({
  TranId: text(100),
  OrderId: text(100),
  Amount: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\d{1,15}$/)
        .transform(Number),
    ])
    .pipe(z.number().int().positive()),
  Service: text(100),
  returnUrl: text(2000),
  refererHost: z.string().max(255).optional(),
  GenerateQrCode: z.union([z.boolean(), z.enum(["true", "True", "false", "False"])]).optional(),
});
export type OnlineBody = z.infer<typeof onlineBodySchema>;

export type OnlineVariant = "json" | "form";

export type OnlineResult =
  | { ok: true; paymentId: string; redirectUrl: string; qrCodeImage?: string }
  | { ok: false; code: number; message: string };

const newTxnId = () => `${Date.now() % 1e10}${randomInt(1000, 9999)}`;

export async function sandboxOnline(
  db: Db,
  body: OnlineBody,
  variant: OnlineVariant,
  fault: Fault | null = null,
): Promise<OnlineResult> {
  const e = env();
  if (fault?.kind === "refuse") {
    return { ok: false, code: ONLINE_CODES.REFUSED, message: "Kaspi refused the request (sandbox fault)" };
  }
  const provider = sandboxProviderPath(body.Service, e.checkpayServiceId);
  if (!provider) {
    return { ok: false, code: ONLINE_CODES.UNKNOWN_SERVICE, message: `Service "${body.Service}" is not registered` };
  }
  if (body.Amount % 100 !== 0) {
    return { ok: false, code: ONLINE_CODES.BAD_REQUEST, message: "Amount is in tiyn: whole tenge × 100" };
  }
  const problem = sandboxUrlProblem({ redirectUrl: body.returnUrl });
  if (problem)
    return { ok: false, code: ONLINE_CODES.RETURN_URL, message: problem.replace("redirectUrl", "returnUrl") };

  const id = newTxnId();
  await db.sandboxPayment.create({
    data: {
      id,
      externalId: `online:${body.TranId}:${id}`,
      amount: body.Amount / 100,
      currency: "KZT",
      description: `Service ${body.Service} · order ${body.OrderId}`,
      status: "PENDING",
      protocol: "checkpay",
      account: body.TranId,
      presentation: variant === "json" ? "online-json" : "online-form",
      // The Service's provider URL (what "Kaspi" calls with check and pay).
      callbackUrl: provider,
      redirectUrl: body.returnUrl,
      expiresAt: new Date(Date.now() + e.PAYMENT_TTL_SECONDS * 1000),
    },
  });
  const redirectUrl = paymentLinkFor(id);
  const wantsQr =
    variant === "json" &&
    (body.GenerateQrCode === true || body.GenerateQrCode === "true" || body.GenerateQrCode === "True");
  if (!wantsQr) return { ok: true, paymentId: id, redirectUrl };
  const png = await QRCode.toBuffer(redirectUrl, { type: "png", margin: 1, width: 320 });
  return { ok: true, paymentId: id, redirectUrl, qrCodeImage: png.toString("base64") };
}

/** The next fault injected for the Kaspi button, if any: for any order, or for this TranId. */
export function takeOnlineFault(db: Db, tranId: string): Promise<Fault | null> {
  return takeFault(db, "online", tranId);
}
