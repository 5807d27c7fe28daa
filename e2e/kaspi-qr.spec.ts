import { devices, expect, test } from "@playwright/test";
import { CheckoutPage } from "./pages/checkout-page";
import { SandboxKaspiPage } from "./pages/sandbox-kaspi-page";
import { createOrder, expectExactlyOneNotification } from "./support/api";
import { PROTOCOL } from "./support/constants";

// Kaspi QR only: a desktop shopper gets a QR (qr/create) and no link; switching to "pay on this
// phone" makes a link (qr/create-link); once the shopper opens it in the Kaspi app the checkout
// says "confirm in the Kaspi app" and shows the loan offer, then flips to Paid by server polling.

test.use({ ...devices["Desktop Chrome"] });

test.describe("Kaspi QR presentation", () => {
  test.skip(PROTOCOL !== "qr", "Kaspi QR protocol only");

  test("desktop QR, switch to the phone link, scan → confirm in Kaspi + loan, confirm → Paid", async ({
    page,
    request,
  }, testInfo) => {
    // Amounts ending in 77 are paid with a Kaspi Red loan offer in the sandbox.
    const order = await createOrder(request, testInfo, { amount: 12_577 });
    const checkout = await CheckoutPage.open(page, order.checkoutUrl);
    await expect(checkout.qr).toBeVisible();
    await expect(checkout.payWithKaspi).toHaveCount(0);
    const switchButton = page.getByTestId("switch-device");
    await expect(switchButton).toHaveAttribute("data-to", "link");

    await switchButton.click();
    const link = await checkout.kaspiLink();
    await expect(switchButton).toHaveAttribute("data-to", "qr");

    const kaspi = await SandboxKaspiPage.open(page, link.href);
    await expect(page.getByTestId("checkout-confirm-in-kaspi")).toBeVisible();
    await expect(page.getByTestId("checkout-loan")).toContainText("Kaspi Red");
    await kaspi.confirm();
    await checkout.expectStatus("PAID");
    const notification = await expectExactlyOneNotification(request, order.externalId);
    expect(notification.body).toMatchObject({ kaspiPaymentId: link.paymentId, amount: 12_577 });
  });
});
