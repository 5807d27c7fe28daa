import { expect, test } from "@playwright/test";
import { CheckoutPage } from "./pages/checkout-page";
import { SandboxKaspiPage } from "./pages/sandbox-kaspi-page";
import {
  bitrixNotifications,
  checkoutStatus,
  createOrder,
  expectExactlyOneNotification,
  sandboxAct,
  sandboxForgeCallback,
} from "./support/api";
import { APP_URL, BITRIX_ORIGIN, PROTOCOL } from "./support/constants";

// The shopper's journey end to end: Bitrix's signed intake → checkout → the sandbox "Kaspi app" →
// the app verifies with Kaspi → the page flips by itself → Bitrix is notified exactly once.

const AMOUNT = 12_500;
const AMOUNT_TEXT = /12\s500\s₸/;

type HostMessage = { origin: string; data: unknown };

test.describe("Kaspi checkout", () => {
  test("pays an order: intake, QR, Kaspi confirm, PAID without reload, one Bitrix notification", async ({
    page,
    request,
  }, testInfo) => {
    const returnUrl = `${BITRIX_ORIGIN}/order/complete`;
    const order = await createOrder(request, testInfo, {
      amount: AMOUNT,
      description: "E2E order",
      lang: "ru",
      returnUrl,
    });

    const checkout = await CheckoutPage.open(page, order.checkoutUrl);
    await expect(checkout.amount).toHaveText(AMOUNT_TEXT);
    await expect(checkout.orderNumber).toBeVisible();
    // A sandbox order says so on the page (ru here).
    await expect(page.getByTestId("checkout-test-mode")).toHaveText("Тестовый режим — без реальных денег");
    await expect(checkout.qr).toBeVisible();
    const link = await checkout.kaspiLink();
    expect(link.href.startsWith(`${APP_URL}/sandbox/kaspi/pay/`), link.href).toBe(true);
    await checkout.expectStatus("PENDING");
    // A marker that a reload would wipe: the page's own polling must bring the news.
    await page.evaluate(() => ((window as unknown as { __e2eNoReload: boolean }).__e2eNoReload = true));

    const kaspi = await SandboxKaspiPage.open(page, link.href);
    await expect(kaspi.amount).toHaveText(AMOUNT_TEXT);
    await kaspi.expectStatus("PENDING");
    await kaspi.confirm();
    await kaspi.close();

    await checkout.expectStatus("PAID", 15_000);
    const marker = await page.evaluate(() => (window as unknown as { __e2eNoReload?: boolean }).__e2eNoReload);
    expect(marker, "the checkout page must not reload").toBe(true);
    await expect(checkout.returnToStore).toHaveAttribute("href", returnUrl);

    const notification = await expectExactlyOneNotification(request, order.externalId);
    expect(notification.body).toMatchObject({
      event: "payment.paid",
      externalId: order.externalId,
      orderId: order.orderId,
      amount: AMOUNT,
      kaspiPaymentId: link.paymentId,
    });
    expect(typeof notification.body.paidAt).toBe("string");
  });

  test("inside the Bitrix host page iframe: pays and tells the parent its height and status", async ({
    page,
    request,
  }, testInfo) => {
    const order = await createOrder(request, testInfo, { amount: AMOUNT });

    // Another origin than the app's: the postMessage target origin must match it exactly.
    await page.goto(`${BITRIX_ORIGIN}/host?src=${encodeURIComponent(order.checkoutUrl)}`);
    const checkout = new CheckoutPage(page.frameLocator('[data-testid="checkout-frame"]'));
    await expect(checkout.amount).toHaveText(AMOUNT_TEXT);
    await expect(checkout.qr).toBeVisible();
    const link = await checkout.kaspiLink();

    const kaspi = await SandboxKaspiPage.open(page, link.href);
    await kaspi.confirm();
    await kaspi.close();

    await checkout.expectStatus("PAID", 15_000);

    const messages = () => page.evaluate(() => (window as unknown as { __messages: HostMessage[] }).__messages);
    const isStatus = (m: HostMessage, status: string) =>
      typeof m.data === "object" &&
      m.data !== null &&
      (m.data as { type?: unknown }).type === "kaspi-checkout:status" &&
      (m.data as { status?: unknown }).status === status;
    await expect
      .poll(async () => (await messages()).filter((m) => isStatus(m, "PAID")).length, {
        message: "a kaspi-checkout:status PAID message reached the host page",
      })
      .toBeGreaterThanOrEqual(1);

    const all = await messages();
    const paid = all.find((m) => isStatus(m, "PAID"));
    expect(paid?.origin).toBe(APP_URL);
    expect(paid?.data).toMatchObject({ type: "kaspi-checkout:status", status: "PAID" });
    expect((paid?.data as { orderNumber?: unknown }).orderNumber).toBeTruthy();

    const heights = all.filter(
      (m) =>
        typeof m.data === "object" &&
        m.data !== null &&
        (m.data as { type?: unknown }).type === "kaspi-checkout:height",
    );
    expect(heights.length, "height messages").toBeGreaterThan(0);
    for (const h of heights) {
      expect(h.origin).toBe(APP_URL);
      expect((h.data as { height?: unknown }).height).toEqual(expect.any(Number));
      expect((h.data as { height: number }).height).toBeGreaterThan(0);
    }
    // Messages come only from the checkout, never from anywhere else.
    expect(all.every((m) => m.origin === APP_URL)).toBe(true);

    await expectExactlyOneNotification(request, order.externalId);
  });

  test("declined in Kaspi: FAILED, try again gives a new Kaspi payment, which is then paid", async ({
    page,
    request,
  }, testInfo) => {
    test.skip(PROTOCOL === "checkpay", "check/pay has no decline: Kaspi simply never sends pay");
    const order = await createOrder(request, testInfo, { amount: AMOUNT });
    const checkout = await CheckoutPage.open(page, order.checkoutUrl);
    const first = await checkout.kaspiLink();

    const kaspi = await SandboxKaspiPage.open(page, first.href);
    await kaspi.decline();
    await kaspi.close();

    await checkout.expectStatus("FAILED", 15_000);
    await expect(checkout.tryAgainButton).toBeVisible();
    expect((await bitrixNotifications(request, order.externalId)).count).toBe(0);

    await checkout.tryAgain();
    await expect(checkout.payWithKaspi).not.toHaveAttribute("href", first.href);
    const second = await checkout.kaspiLink();
    expect(second.paymentId).not.toBe(first.paymentId);
    await checkout.expectStatus("PENDING");

    // This time the shopper confirms through the sandbox's control API.
    await sandboxAct(request, second.paymentId, "confirm");
    await checkout.expectStatus("PAID", 15_000);

    const notification = await expectExactlyOneNotification(request, order.externalId);
    expect(notification.body).toMatchObject({ kaspiPaymentId: second.paymentId, amount: AMOUNT });
  });

  test("a forged COMPLETED callback does not mark the order paid", async ({ page, request }, testInfo) => {
    test.skip(PROTOCOL !== "ecom", "only the eCommerce API has callbacks");
    const order = await createOrder(request, testInfo, { amount: AMOUNT });
    const checkout = await CheckoutPage.open(page, order.checkoutUrl);
    const link = await checkout.kaspiLink();
    await checkout.expectStatus("PENDING");

    // Kaspi's own record still says pending: the app's verifying GET contradicts the callback.
    const forged = await sandboxForgeCallback(request, link.paymentId, "COMPLETED");
    expect(forged.sandboxStatus, "Kaspi's own record is untouched").toBe("PENDING");
    // Delivered and handled (rejected after the verifying GET): 200, so Kaspi would not retry it.
    expect(forged.callbackStatuses).toEqual([200]);

    await page.waitForTimeout(5_500);
    await checkout.expectStatus("PENDING", 1_000);
    expect(await checkoutStatus(request, order.token)).toBe("PENDING");
    expect((await bitrixNotifications(request, order.externalId)).count).toBe(0);

    // The real confirmation afterwards still goes through, exactly once.
    await sandboxAct(request, link.paymentId, "confirm");
    await checkout.expectStatus("PAID", 15_000);
    await expectExactlyOneNotification(request, order.externalId);
  });

  test("320 px wide: no horizontal overflow, the pay button is visible above the QR", async ({
    page,
    request,
  }, testInfo) => {
    await page.setViewportSize({ width: 320, height: 640 });
    const order = await createOrder(request, testInfo, { amount: AMOUNT });
    const checkout = await CheckoutPage.open(page, order.checkoutUrl);
    await checkout.kaspiLink();
    await expect(checkout.amount).toHaveText(AMOUNT_TEXT);

    const overflow = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      bodyScrollWidth: document.body.scrollWidth,
    }));
    expect(overflow.scrollWidth, JSON.stringify(overflow)).toBeLessThanOrEqual(overflow.clientWidth);
    expect(overflow.bodyScrollWidth, JSON.stringify(overflow)).toBeLessThanOrEqual(overflow.clientWidth);

    await expect(checkout.payWithKaspi).toBeVisible();
    await expect(checkout.payWithKaspi).toBeInViewport();
    const pay = await checkout.payWithKaspi.boundingBox();
    const qr = await checkout.qr.boundingBox();
    expect(pay, "pay button box").not.toBeNull();
    expect(qr, "QR box").not.toBeNull();
    if (pay && qr) {
      expect(pay.y + pay.height, "pay button ends above the QR starts").toBeLessThanOrEqual(qr.y + 1);
      expect(pay.x).toBeGreaterThanOrEqual(0);
      expect(pay.x + pay.width).toBeLessThanOrEqual(320);
    }
  });
});
