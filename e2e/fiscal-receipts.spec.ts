import { expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { CheckoutPage } from "./pages/checkout-page";
import { MerchantLoginPage, PaymentsListPage } from "./pages/merchant-pages";
import { createOrder, expectExactlyOneNotification } from "./support/api";
import { APP_URL } from "./support/constants";
import { merchantUser } from "./support/merchant";

// Fiscal receipts in the browser (docs/fiscal.md §7), with the app's Webkassa simulator
// (FISCAL_PROVIDER=webkassa in playwright.config.ts): the shopper's Paid screen links the receipt,
// the receipt page shows it, Bitrix's notification carries it, and the merchant's payment page shows
// its fiscal sign, shift, number and link.

const ITEMS = [
  { name: "Чай зелёный", quantity: 2, price: 2500, vatRate: 16 as const },
  { name: "Мёд", quantity: 0.75, price: 4000, vatRate: 0 as const },
  { name: "Доставка", quantity: 1, price: 4500, vatRate: null },
];

/** Pays in the sandbox as a phone would: a payment link under every protocol, confirmed in "Kaspi". */
async function payInSandbox(request: APIRequestContext, token: string): Promise<void> {
  const started = await request.post(`${APP_URL}/api/checkout/${token}/payment`, { data: { device: "mobile" } });
  expect(started.ok(), await started.text()).toBe(true);
  const link = ((await started.json()) as { paymentLink?: string }).paymentLink ?? "";
  const kaspiPaymentId = decodeURIComponent(/\/sandbox\/kaspi\/pay\/([^/?#]+)/.exec(link)?.[1] ?? "");
  expect(kaspiPaymentId, `a sandbox payment link, got "${link}"`).not.toBe("");
  const confirmed = await request.post(
    `${APP_URL}/sandbox/kaspi/test/payments/${encodeURIComponent(kaspiPaymentId)}/confirm`,
    {
      data: {},
    },
  );
  expect(confirmed.ok(), await confirmed.text()).toBe(true);
}

async function signInAsAdmin(page: Page, testInfo: TestInfo) {
  const user = merchantUser(testInfo, "admin");
  await page.goto("/merchant/payments");
  await page.waitForURL(/\/merchant\/login\?next=/);
  await new MerchantLoginPage(page).signIn(user.email, user.password);
  await page.waitForURL((url) => url.pathname === "/merchant/payments");
}

test.describe("fiscal receipts (Webkassa sandbox)", () => {
  test("the Paid screen links the receipt; the receipt has the order's lines; Bitrix gets receiptUrl", async ({
    page,
    request,
  }, testInfo) => {
    const order = await createOrder(request, testInfo, {
      amount: 12_500,
      lang: "ru",
      items: ITEMS,
      customer: { email: "buyer@example.kz" },
    });
    const checkout = await CheckoutPage.open(page, order.checkoutUrl);
    await payInSandbox(request, order.token);
    await checkout.expectStatus("PAID", 20_000);

    const receipt = page.getByTestId("receipt-link");
    await expect(receipt).toBeVisible({ timeout: 15_000 });
    await expect(receipt).toHaveText("Чек");
    const href = (await receipt.getAttribute("href")) ?? "";
    expect(href).toMatch(/\/sandbox\/webkassa\/ticket\/\d{12}$/);
    await expect(receipt).toHaveAttribute("target", "_blank");

    const ticket = await page.context().newPage();
    await ticket.goto(href);
    await expect(ticket.getByTestId("ticket-title")).toContainText("ПРОДАЖА");
    await expect(ticket.getByTestId("ticket-lines").locator("li")).toHaveCount(3);
    await expect(ticket.getByTestId("ticket-lines")).toContainText("Чай зелёный — 2 × 2500");
    await expect(ticket.getByTestId("ticket-total")).toContainText("12500");
    await ticket.close();

    const notification = await expectExactlyOneNotification(request, order.externalId, 30_000);
    expect(notification.body).toMatchObject({ event: "payment.paid", receiptUrl: href });
  });

  test("the merchant's payment page shows the receipt: fiscal sign, shift, number, link", async ({
    page,
    request,
  }, testInfo) => {
    const order = await createOrder(request, testInfo, {
      amount: 7_000,
      items: [{ name: "Книга", quantity: 1, price: 7_000, vatRate: 16 }],
    });
    await payInSandbox(request, order.token);
    await expect
      .poll(
        async () =>
          (
            (await (await request.get(`${APP_URL}/api/checkout/${order.token}/status`)).json()) as {
              receiptUrl?: string;
            }
          ).receiptUrl ?? "",
        {
          timeout: 30_000,
        },
      )
      .toMatch(/\/sandbox\/webkassa\/ticket\/\d{12}$/);

    await signInAsAdmin(page, testInfo);
    const list = new PaymentsListPage(page);
    await list.filter({ q: order.externalId });
    await expect(list.rows).toHaveCount(1);
    await list.openFirst();
    const sale = page.locator('[data-testid="receipts"] li[data-kind="sale"]');
    await expect(sale).toHaveAttribute("data-status", "ISSUED");
    await expect(sale.getByTestId("receipt-fiscal-sign")).toHaveText(/^\d{12}$/);
    await expect(sale).toContainText(/shift|смена/);
    const link = sale.getByTestId("receipt-link");
    await expect(link).toHaveAttribute("href", /\/sandbox\/webkassa\/ticket\/\d{12}$/);
    await expect(page.getByTestId("detail-lines")).toContainText("1");
  });
});
