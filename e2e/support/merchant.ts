import { execFileSync } from "node:child_process";
import path from "node:path";
import type { APIRequestContext, TestInfo } from "@playwright/test";
import { expect } from "@playwright/test";
import { checkoutStatus, createOrder, sandboxAct, type CreatedOrder } from "./api";
import { APP_URL, E2E_DATABASE_URL } from "./constants";

// Merchant users for the e2e run, made with the real CLI (npm run merchant:add-user) against the
// e2e database; one user per worker and role, so parallel workers never reset each other's sessions.

export type MerchantUser = { email: string; password: string };

const made = new Map<string, MerchantUser>();

export function merchantUser(
  testInfo: TestInfo,
  role: "admin" | "viewer",
  databaseUrl = E2E_DATABASE_URL,
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

/** An order paid in the sandbox, the way a shopper pays it (Kaspi app confirm → callback → GET). */
export async function paidOrder(
  request: APIRequestContext,
  testInfo: TestInfo,
  amount: number,
  base = APP_URL,
): Promise<CreatedOrder & { kaspiPaymentId: string }> {
  const order = await createOrder(
    request,
    testInfo,
    { amount, phone: "+77012345678", description: "Merchant e2e" },
    base,
  );
  // "mobile": every protocol then answers with a payment link naming the sandbox payment.
  const started = await request.post(`${base}/api/checkout/${order.token}/payment`, { data: { device: "mobile" } });
  expect(started.ok(), await started.text()).toBe(true);
  const link = ((await started.json()) as { paymentLink?: string }).paymentLink ?? "";
  const kaspiPaymentId = decodeURIComponent(new URL(link).pathname.split("/").pop() ?? "");
  await sandboxAct(request, kaspiPaymentId, "confirm", {}, base);
  await expect.poll(() => checkoutStatus(request, order.token, base), { timeout: 30_000 }).toBe("PAID");
  return { ...order, kaspiPaymentId };
}
