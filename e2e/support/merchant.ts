import { execFileSync } from "node:child_process";
import path from "node:path";
import type { APIRequestContext, TestInfo } from "@playwright/test";
import { expect } from "@playwright/test";
import { signatureHeaders } from "../../lib/bitrix-onprem/signature";
import { uniqueExternalId, type CreatedOrder } from "./api";
import { APP_URL, E2E_SECRET, PROTOCOL } from "./constants";

// Merchant users for the e2e run, made with the real CLI (npm run merchant:add-user) against the
// e2e database; one user per worker and role, so parallel workers never reset each other's sessions.

export type MerchantUser = { email: string; password: string };

const made = new Map<string, MerchantUser>();

export function merchantUser(
  testInfo: TestInfo,
  role: "admin" | "viewer",
  databaseUrl = `file:./data/e2e-${PROTOCOL}.db`,
): MerchantUser {
  const email = `e2e-${role}-w${testInfo.workerIndex}@shop.test`;
  const key = `${databaseUrl}|${email}`;
  const known = made.get(key);
  if (known) return known;
  const password = `e2e-${role}-password-${testInfo.workerIndex}`;
  const root = process.cwd(); // Playwright runs from the project root (playwright.config.ts)
  execFileSync(path.join(root, "node_modules/.bin/tsx"), ["scripts/merchant-add-user.ts", email, "--role", role], {
    cwd: root,
    input: `${password}\n`,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const user = { email, password };
  made.set(key, user);
  return user;
}

/**
 * An order paid in the sandbox, the way a shopper pays it (Kaspi app confirm → callback or poll →
 * GET), on the app at `base` (the QR project runs its own app). A "mobile" checkout gets a payment
 * link under every protocol, and the link names the sandbox's payment.
 */
export async function paidOrder(
  request: APIRequestContext,
  testInfo: TestInfo,
  amount: number,
  base = APP_URL,
): Promise<CreatedOrder & { kaspiPaymentId: string }> {
  const externalId = uniqueExternalId(testInfo);
  const rawBody = JSON.stringify({
    externalId,
    currency: "KZT",
    amount,
    phone: "+77012345678",
    description: "Merchant e2e",
  });
  const created = await request.post(`${base}/api/orders`, {
    headers: {
      "content-type": "application/json",
      ...signatureHeaders(E2E_SECRET, { method: "POST", target: "/api/orders", body: rawBody }),
    },
    data: rawBody,
  });
  expect(created.status(), await created.text()).toBe(201);
  const { orderId, checkoutUrl } = (await created.json()) as { orderId: string; checkoutUrl: string };
  const token = new URL(checkoutUrl).pathname.split("/").pop() ?? "";
  const started = await request.post(`${base}/api/checkout/${token}/payment`, { data: { device: "mobile" } });
  expect(started.ok(), await started.text()).toBe(true);
  const link = ((await started.json()) as { paymentLink?: string }).paymentLink ?? "";
  const kaspiPaymentId = decodeURIComponent(/\/sandbox\/kaspi\/pay\/([^/?#]+)/.exec(link)?.[1] ?? "");
  expect(kaspiPaymentId, `a sandbox payment link, got "${link}"`).not.toBe("");
  const confirmed = await request.post(
    `${base}/sandbox/kaspi/test/payments/${encodeURIComponent(kaspiPaymentId)}/confirm`,
    {
      data: {},
    },
  );
  expect(confirmed.ok(), await confirmed.text()).toBe(true);
  await expect
    .poll(
      async () => {
        const res = await request.get(`${base}/api/checkout/${token}/status`);
        return ((await res.json()) as { status: string }).status;
      },
      { timeout: 20_000 },
    )
    .toBe("PAID");
  return { externalId, orderId, checkoutUrl, token, kaspiPaymentId };
}
