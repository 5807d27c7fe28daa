import { randomBytes } from "node:crypto";
import type { APIRequestContext, TestInfo } from "@playwright/test";
import { expect } from "@playwright/test";
import { signatureHeaders } from "../../lib/bitrix-onprem/signature";
import { APP_URL, E2E_SECRET, STUB_URL } from "./constants";

// HTTP helpers for the e2e suite: Bitrix's signed intake, the Bitrix stub's inbox and the Kaspi
// sandbox's control API. They talk to the servers directly, not through the browser.

export type CreatedOrder = { externalId: string; orderId: string; checkoutUrl: string; token: string };

export type IntakeInput = {
  amount: number;
  phone?: string;
  description?: string;
  returnUrl?: string;
  lang?: string;
  /** The order's lines for its fiscal receipt (docs/fiscal.md §2). */
  items?: { name: string; quantity: number; price: number; vatRate: null | 0 | 16 }[];
  customer?: { email?: string; phone?: string };
};

/** Unique per test, per retry and per run, so tests can share one app and one stub. */
export function uniqueExternalId(testInfo: TestInfo): string {
  return `e2e-w${testInfo.workerIndex}-r${testInfo.retry}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

/** POST /api/orders as Bitrix does it: the raw body is exactly what was signed. */
export async function createOrder(
  request: APIRequestContext,
  testInfo: TestInfo,
  input: IntakeInput,
  base = APP_URL,
): Promise<CreatedOrder> {
  const externalId = uniqueExternalId(testInfo);
  const rawBody = JSON.stringify({ externalId, currency: "KZT", ...input });
  const response = await request.post(`${base}/api/orders`, {
    headers: {
      "content-type": "application/json",
      ...signatureHeaders(E2E_SECRET, { method: "POST", target: "/api/orders", body: rawBody }),
    },
    data: rawBody,
  });
  expect(response.status(), `intake answered ${await response.text()}`).toBe(201);
  const body = (await response.json()) as { orderId: string; checkoutUrl: string };
  expect(body.checkoutUrl).toMatch(/\/pay\/[^/?#]+/);
  const token = new URL(body.checkoutUrl).pathname.split("/").pop() ?? "";
  return { externalId, orderId: body.orderId, checkoutUrl: body.checkoutUrl, token };
}

export type StubInbox = {
  count: number;
  notifications: { receivedAt: string; body: Record<string, unknown> }[];
  rejected: number;
};

export async function bitrixNotifications(request: APIRequestContext, externalId: string): Promise<StubInbox> {
  const response = await request.get(`${STUB_URL}/notifications?externalId=${encodeURIComponent(externalId)}`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as StubInbox;
}

/**
 * The Bitrix stub receives exactly one valid notification for this order: polled up to `within`
 * ms, then watched 2 s longer so a duplicate delivery would be caught.
 */
export async function expectExactlyOneNotification(
  request: APIRequestContext,
  externalId: string,
  within = 10_000,
): Promise<StubInbox["notifications"][number]> {
  await expect
    .poll(async () => (await bitrixNotifications(request, externalId)).count, {
      message: `Bitrix notification for ${externalId}`,
      timeout: within,
    })
    .toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const inbox = await bitrixNotifications(request, externalId);
  expect(inbox.count, "no duplicate notification after 2 s").toBe(1);
  expect(inbox.rejected, "notifications the stub rejected for a bad signature (whole run)").toBe(0);
  const first = inbox.notifications[0];
  if (!first) throw new Error("notification vanished");
  return first;
}

export type SandboxAction = "confirm" | "decline";
export type SandboxActionOptions = { callbackDelayMs?: number; duplicates?: number; skipCallback?: boolean };

/** The sandbox's test-control API, acting as the shopper in the Kaspi app. */
export async function sandboxAct(
  request: APIRequestContext,
  paymentId: string,
  action: SandboxAction,
  options: SandboxActionOptions = {},
  base = APP_URL,
): Promise<void> {
  const response = await request.post(
    `${base}/sandbox/kaspi/test/payments/${encodeURIComponent(paymentId)}/${action}`,
    {
      data: options,
    },
  );
  expect(response.ok(), `sandbox ${action} answered ${response.status()} ${await response.text()}`).toBe(true);
}

export type ForgedCallbackResult = {
  paymentId: string;
  /** What the sandbox ("Kaspi") itself still records. */
  sandboxStatus: string;
  claimed: string;
  /** The HTTP statuses the app answered the callback(s) with (0 = unreachable). */
  callbackStatuses: number[];
};

/** A Kaspi-style callback claiming `status`, without changing the sandbox's own record. */
export async function sandboxForgeCallback(
  request: APIRequestContext,
  paymentId: string,
  status: string,
): Promise<ForgedCallbackResult> {
  const response = await request.post(
    `${APP_URL}/sandbox/kaspi/test/payments/${encodeURIComponent(paymentId)}/callback`,
    {
      data: { status },
    },
  );
  expect(response.ok(), `sandbox callback answered ${response.status()} ${await response.text()}`).toBe(true);
  return (await response.json()) as ForgedCallbackResult;
}

/** A sandbox fault (POST /sandbox/kaspi/test/faults); `paymentId` scopes it (for "online": the order's TranId). */
export async function sandboxFault(
  request: APIRequestContext,
  fault: { operation: string; kind: string; paymentId?: string; delayMs?: number; count?: number },
): Promise<void> {
  const response = await request.post(`${APP_URL}/sandbox/kaspi/test/faults`, { data: fault });
  expect(response.ok(), `sandbox fault answered ${response.status()} ${await response.text()}`).toBe(true);
}

/** The shopper's status endpoint, as the checkout page polls it. */
export async function checkoutStatus(request: APIRequestContext, token: string, base = APP_URL): Promise<string> {
  const response = await request.get(`${base}/api/checkout/${encodeURIComponent(token)}/status`);
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { status: string }).status;
}
