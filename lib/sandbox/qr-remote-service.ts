import type { Db } from "../db";
import { deviceRefusal, err, newKaspiNumber, ok, type Envelope } from "./qr-envelope";
import { isPayableAmount, pendingQrPayment } from "./qr-new-payment";

// Remote invoices in the simulated Kaspi QR API (r3; docs/kaspi.md §2, v3.9 §4.6): client-info,
// create (an invoice in the shopper's Kaspi app, payable 24 h), cancel. The shopper finds it in
// the sandbox's Kaspi app inbox (/sandbox/kaspi/qr/inbox/{phone}).

const INVOICE_LIFE_MS = 24 * 3600_000;
const PHONE = /^[78]\d{10}$/;

/** The sandbox has no customers: every well-formed phone belongs to this demo client. */
export const SANDBOX_CLIENT_NAME = "Айгерим К.";

export async function sandboxClientInfo(db: Db, query: URLSearchParams): Promise<Envelope> {
  const refused = await deviceRefusal(db, query.get("DeviceToken"));
  if (refused) return refused;
  // The document lists -1401/-1404 on remote methods without meaning [?]: the sandbox uses -1401
  // for "no Kaspi client with this phone".
  if (!PHONE.test(query.get("PhoneNumber") ?? "")) return err(-1401, "Client not found");
  return ok({ ClientName: SANDBOX_CLIENT_NAME });
}

export async function sandboxRemoteCreate(db: Db, body: Record<string, unknown>): Promise<Envelope> {
  const refused = await deviceRefusal(db, body.DeviceToken);
  if (refused) return refused;
  const phone = typeof body.PhoneNumber === "string" ? body.PhoneNumber : "";
  if (!PHONE.test(phone)) return err(-1401, "Client not found");
  const amount = body.Amount;
  if (!isPayableAmount(amount)) return err(990000028, "Wrong amount");
  const id = newKaspiNumber();
  await db.sandboxPayment.create({
    data: {
      ...pendingQrPayment(id, amount, body.DeviceToken),
      externalId: `remote:${id}`,
      description: typeof body.Comment === "string" ? body.Comment.slice(0, 200) : null,
      phone: `8${phone.slice(1)}`,
      presentation: "remote",
      expiresAt: new Date(Date.now() + INVOICE_LIFE_MS),
    },
  });
  return ok({ QrPaymentId: Number(id) });
}

export async function sandboxRemoteCancel(db: Db, body: Record<string, unknown>): Promise<Envelope> {
  const refused = await deviceRefusal(db, body.DeviceToken);
  if (refused) return refused;
  const id = String(body.QrPaymentId ?? "");
  const p = await db.sandboxPayment.findUnique({ where: { id } });
  if (!p || p.presentation !== "remote") return err(-99000001, "Purchase not found");
  const res = await db.sandboxPayment.updateMany({ where: { id, status: "PENDING" }, data: { status: "FAILED" } });
  // Cancelling a paid invoice: the document gives no code [?]; -99000011 "wrong purchase status".
  if (res.count !== 1) return err(-99000011, `The invoice cannot be cancelled: it is ${p.status}`);
  return ok({ Status: "RemotePaymentCanceled" });
}

/** The shopper's pending invoices, for the sandbox's Kaspi app inbox. */
export async function sandboxInbox(db: Db, phone: string) {
  const digits = phone.replace(/\D/g, "");
  return db.sandboxPayment.findMany({
    where: { presentation: "remote", phone: `8${digits.slice(-10)}`, status: "PENDING", expiresAt: { gt: new Date() } },
    orderBy: { createdAt: "desc" },
    take: 20,
  });
}
