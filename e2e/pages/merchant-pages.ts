import type { Locator, Page } from "@playwright/test";
import { expect } from "@playwright/test";

// Page objects of the merchant area: sign-in, the payments list, a payment's page.

export class MerchantLoginPage {
  constructor(readonly page: Page) {}

  async signIn(email: string, password: string): Promise<void> {
    await this.page.getByTestId("merchant-login-email").fill(email);
    await this.page.getByTestId("merchant-login-password").fill(password);
    await this.page.getByTestId("merchant-login-submit").click();
  }

  get error(): Locator {
    return this.page.getByTestId("merchant-login-error");
  }
}

export class PaymentsListPage {
  readonly rows: Locator;
  readonly totalsCount: Locator;
  readonly totalsPaid: Locator;
  readonly totalsRefunded: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId("payment-row");
    this.totalsCount = page.getByTestId("totals-count");
    this.totalsPaid = page.getByTestId("totals-paid");
    this.totalsRefunded = page.getByTestId("totals-refunded");
  }

  static async open(page: Page, query = ""): Promise<PaymentsListPage> {
    await page.goto(`/merchant/payments${query}`);
    await expect(page.getByTestId("payments-filters")).toBeVisible();
    return new PaymentsListPage(page);
  }

  async filter(input: { q?: string; status?: string }): Promise<void> {
    if (input.q !== undefined) await this.page.getByTestId("filter-q").fill(input.q);
    if (input.status !== undefined) await this.page.getByTestId("filter-status").selectOption(input.status);
    await this.page.getByTestId("filter-apply").click();
    await this.page.waitForURL(/\/merchant\/payments\?/);
  }

  row(paymentIdOrIndex: number): Locator {
    return this.rows.nth(paymentIdOrIndex);
  }

  async openFirst(): Promise<PaymentDetailPage> {
    await this.rows.first().getByTestId("payment-link").click();
    await this.page.waitForURL(/\/merchant\/payments\/[^/?]+$/);
    return new PaymentDetailPage(this.page);
  }
}

export class PaymentDetailPage {
  readonly status: Locator;
  readonly refunded: Locator;
  readonly timelineEvents: Locator;
  readonly refundUnavailable: Locator;
  readonly refundForm: Locator;
  readonly actionMessage: Locator;

  constructor(readonly page: Page) {
    this.status = page.getByTestId("detail-status").getByTestId("status-badge");
    this.refunded = page.getByTestId("detail-refunded");
    this.timelineEvents = page.getByTestId("timeline-event");
    this.refundUnavailable = page.getByTestId("refund-unavailable");
    this.refundForm = page.getByTestId("refund-form");
    this.actionMessage = page.getByTestId("action-message");
  }

  event(type: string): Locator {
    return this.page.locator(`[data-testid="timeline-event"][data-type="${type}"]`);
  }

  async recheck(): Promise<void> {
    await this.page.getByTestId("recheck-button").click();
    await expect(this.actionMessage).not.toBeEmpty();
  }

  async refund(amount: number): Promise<void> {
    this.page.once("dialog", (d) => void d.accept());
    await this.page.getByTestId("refund-amount").fill(String(amount));
    await this.page.getByTestId("refund-submit").click();
    await expect(this.actionMessage).not.toBeEmpty();
  }
}
