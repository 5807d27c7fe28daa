import { randomInt } from "node:crypto";
import { signatureHeaders } from "../bitrix-onprem/signature";
import { db } from "../db";
import { env } from "../env";
import { newId } from "../ids";
import { DEFAULT_STORE_ID } from "../stores/store-id";

// The demo store plays Bitrix: it sends a signed order to our own intake over HTTP, exactly as
// the Bitrix payment handler will, and records the notifications the app sends back.

export type DemoOrderInput = { amount: number; lang?: "ru" | "kk" | "en"; phone?: string };
export type DemoOrderResult = { ok: true; checkoutUrl: string; externalId: string } | { ok: false; message: string };

export async function createDemoOrder(input: DemoOrderInput): Promise<DemoOrderResult> {
  const e = env();
  const accountNumber = `${randomInt(100_000, 999_999)}`;
  const externalId = `DEMO-${accountNumber}`;
  const body = JSON.stringify({
    externalId,
    accountNumber,
    amount: input.amount,
    currency: "KZT",
    ...(input.phone ? { phone: input.phone } : {}),
    description: `Demo store order ${accountNumber}`,
    returnUrl: `${e.appUrl}/sandbox/store?paid=${encodeURIComponent(externalId)}`,
    ...(input.lang ? { lang: input.lang } : {}),
  });
  try {
    const res = await fetch(`http://127.0.0.1:${e.PORT}/api/orders`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...signatureHeaders(e.BITRIX_SHARED_SECRET, { method: "POST", target: "/api/orders", body }),
      },
      body,
      signal: AbortSignal.timeout(10_000),
      redirect: "error",
    });
    const json = (await res.json()) as { checkoutUrl?: string; error?: { message?: string } };
    if (!res.ok || !json.checkoutUrl) return { ok: false, message: json.error?.message ?? `HTTP ${res.status}` };
    return { ok: true, checkoutUrl: json.checkoutUrl, externalId };
  } catch {
    return { ok: false, message: "the app did not answer" };
  }
}

export async function listDemoNotifications(externalId: string) {
  return db().sandboxNotification.findMany({
    where: { externalId },
    orderBy: { receivedAt: "asc" },
    select: { event: true, receivedAt: true, payload: true },
  });
}

/** Keeps a notification the app sent to the demo store, as received (the raw signed body). */
export async function recordDemoNotification(n: { externalId: string; event: string; payload: string }): Promise<void> {
  await db().sandboxNotification.create({ data: { id: newId("ntf"), ...n } });
}

const DEMO_ORDER = /^DEMO-\d{1,12}$/;

/** One of the demo store's own orders (DEMO-…), for its checkout and thank-you pages. */
export async function findDemoOrder(externalId: string | undefined) {
  if (!externalId || !DEMO_ORDER.test(externalId)) return null;
  return db().order.findUnique({
    // The demo store is the environment's store.
    where: { storeId_externalId: { storeId: DEFAULT_STORE_ID, externalId } },
    select: { externalId: true, accountNumber: true, amount: true, checkoutToken: true },
  });
}
