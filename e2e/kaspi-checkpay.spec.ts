import { expect, test } from "@playwright/test";
import { CheckoutPage } from "./pages/checkout-page";
import { SandboxKaspiPage } from "./pages/sandbox-kaspi-page";
import { createOrder } from "./support/api";
import { PROTOCOL } from "./support/constants";

// check/pay only (docs/kaspi.md §6): account prefill through Kaspi's payment link is not confirmed,
// so the checkout shows the account number large with a copy button and the steps in the Kaspi
// app; the sandbox's Kaspi checks with a terminal's dummy sum, then pays the amount check answered.

test.describe("check/pay checkout — docs/kaspi.md §6", () => {
  test.skip(PROTOCOL !== "checkpay", "check/pay protocol only");

  test("the account number, a copy button and the steps; check (dummy sum) then pay → Paid", async ({
    page,
    request,
  }, testInfo) => {
    const order = await createOrder(request, testInfo, { amount: 12_500 });
    const checkout = await CheckoutPage.open(page, order.checkoutUrl);
    const link = await checkout.kaspiLink();
    const number = await checkout.orderNumber.textContent();
    await expect(page.getByTestId("checkout-account")).toHaveText(number ?? "");
    await expect(page.getByTestId("checkout-account-copy")).toBeVisible();
    await expect(page.getByTestId("checkout-account-box")).toContainText("Kaspi");
    const kaspi = await SandboxKaspiPage.open(page, link.href);
    await kaspi.confirm();
    await checkout.expectStatus("PAID");
  });
});
