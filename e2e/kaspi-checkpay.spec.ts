import { expect, test } from "@playwright/test";
import { CheckoutPage } from "./pages/checkout-page";
import { SandboxKaspiPage } from "./pages/sandbox-kaspi-page";
import { createOrder, expectExactlyOneNotification, sandboxFault } from "./support/api";
import { BITRIX_ORIGIN, PROTOCOL } from "./support/constants";

// check/pay with the Kaspi button (KASPI_CHECKPAY_ENTRY=online, the default; docs/kaspi.md §6, §8):
// the app POSTs the order to the sandbox's /sandbox/kaspi/online, the checkout shows Kaspi's link as
// the button and Kaspi's PNG as the QR; the sandbox's Kaspi app calls check (a terminal's dummy sum)
// then pay, and offers the way back to the store's order page. When Kaspi does not take the JSON
// request, the checkout posts the same order as a browser form; a refusal is said plainly.

test.describe("check/pay — the Kaspi button", () => {
  test.skip(PROTOCOL !== "checkpay", "check/pay protocol only");

  test("the button's target and Kaspi's QR image; Confirm → check, pay → Paid on the page, one signed notification", async ({
    page,
    request,
  }, testInfo) => {
    const returnUrl = `${BITRIX_ORIGIN}/personal/order/detail/1041/`;
    const order = await createOrder(request, testInfo, { amount: 12_500, returnUrl });
    const checkout = await CheckoutPage.open(page, order.checkoutUrl);

    const link = await checkout.kaspiLink();
    await expect(checkout.payWithKaspi).toBeVisible();
    await expect(checkout.qr).toHaveAttribute("data-format", "png-base64");
    const image = checkout.qr.locator("img");
    await expect(image).toBeVisible();
    await expect(image).toHaveAttribute("src", /^data:image\/png;base64,iVBOR/);
    expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
    // The Kaspi button carries the order: no account number to type.
    await expect(page.getByTestId("checkout-account-box")).toHaveCount(0);

    const kaspi = await SandboxKaspiPage.open(page, link.href);
    await expect(kaspi.arrivedAs).toHaveText("Kaspi button, JSON from the store's server");
    await expect(kaspi.amount).toContainText("12");
    await kaspi.confirm();
    await expect(kaspi.checkpayCalls.locator('[data-command="check"]')).toHaveAttribute("data-result", "0");
    await expect(kaspi.checkpayCalls.locator('[data-command="pay"]')).toHaveAttribute("data-result", "0");
    await expect(kaspi.checkpayCalls).toContainText("Магазин: ");
    await expect(kaspi.backToStore).toHaveAttribute("href", returnUrl);

    await checkout.expectStatus("PAID");
    const notification = await expectExactlyOneNotification(request, order.externalId);
    expect(notification.body).toMatchObject({
      event: "payment.paid",
      externalId: order.externalId,
      amount: 12_500,
      kaspiPaymentId: link.paymentId,
      mode: "sandbox",
    });
  });

  test("Kaspi does not take JSON: the same order as a browser form opens Kaspi's page; Confirm → Paid", async ({
    page,
    request,
  }, testInfo) => {
    const order = await createOrder(request, testInfo, { amount: 9_900 });
    // Orders without an account number are paid by externalId: the Kaspi button's TranId.
    await sandboxFault(request, { operation: "online", kind: "json_refused", paymentId: order.externalId });
    const checkout = await CheckoutPage.open(page, order.checkoutUrl);
    const submit = page.getByTestId("pay-with-kaspi-form");
    await expect(submit).toBeVisible();
    await expect(checkout.payWithKaspi).toHaveCount(0);
    const form = page.getByTestId("kaspi-form");
    await expect(form).toHaveAttribute("action", /\/sandbox\/kaspi\/online$/);
    await expect(form.locator('input[name="Amount"]')).toHaveValue("990000");
    await expect(form.locator('input[name="refererHost"]')).toHaveCount(0);

    const popup = page.waitForEvent("popup");
    await submit.click();
    const kaspiPage = await popup;
    await kaspiPage.waitForURL(/\/sandbox\/kaspi\/pay\/\d+$/);
    const kaspi = new SandboxKaspiPage(kaspiPage);
    await expect(kaspi.arrivedAs).toHaveText("Kaspi button, the shopper's browser form");
    await kaspi.confirm();
    await checkout.expectStatus("PAID");
    await expectExactlyOneNotification(request, order.externalId);
  });

  test("Kaspi refuses the Service: the page says so and the order stays payable", async ({
    page,
    request,
  }, testInfo) => {
    const order = await createOrder(request, testInfo, { amount: 4_500 });
    await sandboxFault(request, { operation: "online", kind: "refuse", paymentId: order.externalId });
    const checkout = await CheckoutPage.open(page, order.checkoutUrl);
    await expect(checkout.status).toHaveAttribute("data-phase", "rejected");
    await checkout.tryAgain();
    const link = await checkout.kaspiLink();
    const kaspi = await SandboxKaspiPage.open(page, link.href);
    await kaspi.confirm();
    await checkout.expectStatus("PAID");
  });
});
