import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { MerchantLoginPage, PaymentsListPage } from "./pages/merchant-pages";
import { APP_URL, PROTOCOL } from "./support/constants";
import { merchantUser, paidOrder } from "./support/merchant";

// The merchant area against the production build and the built-in Kaspi sandbox (under each
// protocol of the run; only Kaspi QR refunds): sign in, filter, open a payment, its timeline, re-check,
// the refund explanation, CSV export, accessibility, sign-out.

/** Signs in this worker's user of the role through the redirect a merchant page makes without a session. */
async function signInAs(page: Page, testInfo: TestInfo, role: "admin" | "viewer", next = "/merchant/payments") {
  const user = merchantUser(testInfo, role);
  await page.goto(next);
  await page.waitForURL(/\/merchant\/login\?next=/);
  await new MerchantLoginPage(page).signIn(user.email, user.password);
  await page.waitForURL((url) => url.pathname === next);
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

test.describe("merchant area", () => {
  test("without a session: pages go to sign-in, APIs answer 401 JSON", async ({ page, request }) => {
    await page.goto("/merchant/payments?status=PAID");
    await expect(page).toHaveURL(/\/merchant\/login\?next=%2Fmerchant%2Fpayments%3Fstatus%3DPAID/);
    const api = await request.get(`${APP_URL}/api/merchant/payments`);
    expect(api.status()).toBe(401);
    expect(await api.json()).toEqual({
      error: { code: "UNAUTHORIZED", message: "sign in to the merchant area first" },
    });
  });

  test("a wrong password is refused with a message", async ({ page }, testInfo) => {
    const user = merchantUser(testInfo, "viewer");
    await page.goto("/merchant/login");
    const login = new MerchantLoginPage(page);
    await login.signIn(user.email, "not-the-password");
    await expect(login.error).toBeVisible();
    await expect(page).toHaveURL(/\/merchant\/login/);
  });

  test("sign in, filter, open a payment: timeline, re-check, refund offered or explained, sign out", async ({
    page,
    request,
  }, testInfo) => {
    const order = await paidOrder(request, testInfo, 23_400);
    await signInAs(page, testInfo, "admin");

    const list = new PaymentsListPage(page);
    await list.filter({ q: order.externalId, status: "PAID" });
    await expect(page).toHaveURL(new RegExp(`q=${order.externalId}`));
    await expect(list.rows).toHaveCount(1);
    await expect(list.totalsCount).toHaveText("1");
    await expect(list.totalsPaid).toHaveText(/23\s400\s₸/);
    // The view is bookmarkable: the same URL shows the same rows.
    await page.reload();
    await expect(list.rows).toHaveCount(1);

    const detail = await list.openFirst();
    await expect(page.getByTestId("detail-title")).toContainText(order.externalId);
    await expect(detail.status).toHaveAttribute("data-status", "PAID");
    // eCommerce calls back; Kaspi QR is polled and check/pay is called by Kaspi: no callbacks there.
    const viaCallback = PROTOCOL === "ecom" ? ["callback.received", "verification.result"] : [];
    for (const type of ["order.created", "payment.created", ...viaCallback, "status.changed"]) {
      await expect(detail.event(type).first()).toBeVisible();
    }
    await expect(page.getByTestId("detail-kaspi-id")).toHaveText(order.kaspiPaymentId);
    // Bitrix's notification, with its delivery attempts.
    await expect(page.locator('[data-testid="notifications"] li[data-event="payment.paid"]')).toBeVisible();

    // No refund call here: Kaspi QR r1 (the qr run's scheme: "refund in the Kaspi Pay app"), the
    // eCommerce API, check/pay. An explanation instead of a button (r2/r3 refunds: merchant-qr.spec.ts).
    await expect(detail.refundUnavailable).toBeVisible();
    await expect(detail.refundUnavailable).toContainText(PROTOCOL === "qr" ? "Kaspi Pay app" : "Kaspi Business");
    await expect(detail.refundForm).toHaveCount(0);

    await detail.recheck();
    await expect(detail.event("recheck.requested")).toHaveCount(1);
    await expect(detail.status).toHaveAttribute("data-status", "PAID");

    await page.getByTestId("merchant-sign-out").click();
    await page.waitForURL(/\/merchant\/login/);
    await page.goto("/merchant/payments");
    await expect(page).toHaveURL(/\/merchant\/login/);
  });

  test("a viewer sees payments but no actions", async ({ page, request }, testInfo) => {
    await paidOrder(request, testInfo, 5_000);
    await signInAs(page, testInfo, "viewer");
    const detail = await new PaymentsListPage(page).openFirst();
    await expect(page.getByTestId("recheck-button")).toHaveCount(0);
    await expect(detail.refundForm).toHaveCount(0);
  });

  test("CSV export of the filtered list: BOM, ; separator, the rows of the view", async ({
    page,
    request,
  }, testInfo) => {
    const order = await paidOrder(request, testInfo, 7_700);
    await signInAs(page, testInfo, "admin");
    await PaymentsListPage.open(page, `?q=${order.externalId}`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("export-csv-semicolon").click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^kaspi-payments-\d{4}-\d{2}-\d{2}\.csv$/);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString("utf8").trim().split("\r\n");
    expect(lines[0]?.split(";")).toContain("order_external_id");
    expect(lines).toHaveLength(2);
    const cells = lines[1]?.split(";") ?? [];
    expect(cells).toContain(order.externalId);
    expect(cells).toContain(order.kaspiPaymentId);
    expect(cells).toContain("7700");
    expect(cells).toContain("PAID");
  });

  // axe runs take seconds each on these 2-core machines: a longer budget than the default minute.
  test("accessibility: list and detail have no serious axe violations", async ({ page, request }, testInfo) => {
    test.setTimeout(120_000);
    await paidOrder(request, testInfo, 3_300);
    await signInAs(page, testInfo, "admin");
    expect(await seriousViolations(page)).toEqual([]);
    await new PaymentsListPage(page).openFirst();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test("accessibility in English, and the overview chart", async ({ page, request }, testInfo) => {
    test.setTimeout(120_000);
    await paidOrder(request, testInfo, 3_400);
    await signInAs(page, testInfo, "admin", "/merchant");
    await expect(page.getByTestId("paid-chart")).toBeVisible();
    await page.getByTestId("merchant-lang-en").click();
    await expect(page.getByTestId("merchant-lang-en")).toHaveAttribute("aria-pressed", "true");
    await expect(page.locator("main h1")).toHaveText("Overview");
    expect(await seriousViolations(page)).toEqual([]);
    await (await PaymentsListPage.open(page)).openFirst();
    await expect(page.locator("main")).toContainText("Timeline");
    expect(await seriousViolations(page)).toEqual([]);
  });

  test("375 px: the list and a payment fit the screen", async ({ page, request }, testInfo) => {
    await page.setViewportSize({ width: 375, height: 800 });
    await paidOrder(request, testInfo, 4_100);
    await signInAs(page, testInfo, "admin");
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await new PaymentsListPage(page).openFirst();
    expect(await overflow()).toBeLessThanOrEqual(0);
  });
});
