import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { parseEnv } from "../lib/env";
import { CheckoutPage } from "./pages/checkout-page";
import { MerchantLoginPage, PaymentsListPage, type PaymentDetailPage } from "./pages/merchant-pages";
import { SandboxKaspiPage } from "./pages/sandbox-kaspi-page";
import { createOrder } from "./support/api";
import { E2E_SECRET } from "./support/constants";
import { merchantUser, paidOrder } from "./support/merchant";
import { startQrApp, type QrApp } from "./support/qr-app";

// Kaspi QR schemes r2 and r3 against the sandbox, each on its own app (a scheme is app-wide; the
// qr protocol's main run is r1, where merchant.spec.ts checks "refund in the Kaspi Pay app"):
// - r2 (docs/kaspi.md §2 "r2 return"): a refund through the return QR the customer scans;
// - r3 (docs/kaspi.md §2 "remote", §1): the shopper pays by phone number (remote invoice, checked
//   only on "I've paid — check"), then the merchant refunds part and the rest directly.

function qrProtocolAvailable(): boolean {
  try {
    parseEnv({ KASPI_PROTOCOL: "qr", BITRIX_SHARED_SECRET: E2E_SECRET });
    return true;
  } catch {
    return false;
  }
}

/** Registers, in the calling describe block, an app of its own for the scheme; the getter is for its tests. */
function ownQrApp(scheme: "r2" | "r3"): () => QrApp {
  test.skip(!qrProtocolAvailable(), "KASPI_PROTOCOL=qr is not in this build");
  test.setTimeout(240_000);
  let app: QrApp | undefined;
  test.beforeAll(async () => {
    app = await startQrApp(scheme);
  });
  test.afterAll(() => app?.stop());
  return () => {
    if (!app) throw new Error(`the ${scheme} app did not start`);
    return app;
  };
}

/** Signs in as this worker's admin of the app's database and opens the order's payment. */
async function openPayment(page: Page, app: QrApp, testInfo: TestInfo, externalId: string) {
  const admin = merchantUser(testInfo, "admin", app.databaseUrl);
  await page.goto(`${app.url}/merchant/payments`);
  await new MerchantLoginPage(page).signIn(admin.email, admin.password);
  await page.waitForURL(/\/merchant\/payments$/);
  const list = new PaymentsListPage(page);
  await list.filter({ q: externalId });
  return { list, detail: await list.openFirst() };
}

test.describe("Kaspi QR r2: refund through the customer's return QR — docs/kaspi.md §2", () => {
  const ownApp = ownQrApp("r2");

  test("no refund before the return QR is scanned; scan via the link; refund; the next refund needs a new QR", async ({
    page,
    request,
  }, testInfo) => {
    const app = ownApp();
    const order = await paidOrder(request, testInfo, 10_000, app.url);
    const { detail } = await openPayment(page, app, testInfo, order.externalId);
    await expect(page.getByTestId("return-qr-panel")).toBeVisible();
    await expect(detail.refundForm).toHaveCount(0);

    await page.getByTestId("return-qr-make").click();
    await expect(page.getByTestId("return-qr")).toHaveAttribute("data-status", "QrTokenCreated");
    const link = await page.getByTestId("return-qr-link").getAttribute("href");
    expect(link).toMatch(/\/sandbox\/kaspi\/qr\/return\/\d+$/);

    // The customer opens the link the merchant sent (= scans the return QR in the Kaspi app).
    const customer = await page.context().newPage();
    await customer.goto(link ?? "");
    await expect(customer.getByTestId("sandbox-return-status")).toHaveAttribute(
      "data-status",
      "CustomerIdentityObtained",
    );
    await customer.close();

    // The page sees it at Kaspi's QrCodeScanEventPollingInterval (5 s) and offers the refund.
    await expect(detail.refundForm).toBeVisible({ timeout: 20_000 });
    await detail.refund(4_000);
    await expect(detail.status).toHaveAttribute("data-status", "PARTIALLY_REFUNDED");
    await expect(detail.event("refund.succeeded")).toHaveCount(1);
    await expect(page.getByTestId("return-qr-panel")).toBeVisible();
  });
});

test.describe("Kaspi QR r3: pay by phone number, then refund directly — docs/kaspi.md §1, §2", () => {
  const ownApp = ownQrApp("r3");

  test("send the invoice to my Kaspi app, pay it there, 'I've paid — check' → Paid; refund part, then the rest", async ({
    page,
    request,
  }, testInfo) => {
    const app = ownApp();
    const order = await createOrder(request, testInfo, { amount: 10_000, phone: "+77012345678" }, app.url);
    const checkout = await CheckoutPage.open(page, order.checkoutUrl);
    await expect(checkout.qr).toBeVisible();
    await page.getByTestId("remote-open").click();
    await expect(page.getByTestId("remote-phone")).toHaveValue("+77012345678");
    await page.getByTestId("remote-who").click();
    await expect(page.getByTestId("remote-client")).toContainText("Айгерим");
    await page.getByTestId("remote-send").click();
    await expect(page.getByTestId("remote-sent")).toBeVisible();
    await expect(page.getByTestId("remote-no-auto")).toContainText("24");

    // Not paid yet: the check says so, the page stays pending.
    await page.getByTestId("remote-check").click();
    const firstCheckAt = Date.now();
    await checkout.expectStatus("PENDING");

    // The invoice arrives in the shopper's Kaspi app (the sandbox's inbox for the phone).
    const inbox = await page.context().newPage();
    await inbox.goto(`${app.url}/sandbox/kaspi/qr/inbox/87012345678`);
    await inbox.getByTestId("sandbox-invoice").first().click();
    await new SandboxKaspiPage(inbox).confirm();
    await inbox.close();

    // Never polled on a timer: nothing changes until the shopper asks. Checks closer together than
    // the use case's minimum gap (3 s, lib/payments/remote-invoice-use-case.ts) are one check.
    await page.waitForTimeout(Math.max(1_500, firstCheckAt + 3_500 - Date.now()));
    await checkout.expectStatus("PENDING");
    await page.getByTestId("remote-check").click();
    await checkout.expectStatus("PAID");

    const { detail } = await openPayment(page, app, testInfo, order.externalId);
    const open: PaymentDetailPage = detail;
    await open.refund(4_000);
    await expect(open.status).toHaveAttribute("data-status", "PARTIALLY_REFUNDED");
    await expect(open.refunded).toHaveText(/4\s000\s₸/);
    await open.refund(6_000);
    await expect(open.status).toHaveAttribute("data-status", "REFUNDED");
    await expect(page.getByTestId("refund-form")).toHaveCount(0);
  });
});
