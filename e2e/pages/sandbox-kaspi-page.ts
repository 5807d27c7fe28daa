import type { Locator, Page } from "@playwright/test";
import { expect } from "@playwright/test";

// The sandbox's "Kaspi app" page (/sandbox/kaspi/pay/{paymentId}) where the shopper confirms or
// declines the payment.

export class SandboxKaspiPage {
  readonly amount: Locator;
  readonly status: Locator;
  /** check/pay: how the order reached "Kaspi" (the Kaspi button's JSON or the browser form). */
  readonly arrivedAs: Locator;
  /** check/pay: what the sandbox sent the store on Confirm, and its answers. */
  readonly checkpayCalls: Locator;
  readonly backToStore: Locator;

  constructor(readonly page: Page) {
    this.amount = page.getByTestId("sandbox-amount");
    this.status = page.getByTestId("sandbox-status");
    this.arrivedAs = page.getByTestId("sandbox-arrived-as");
    this.checkpayCalls = page.getByTestId("sandbox-checkpay-calls");
    this.backToStore = page.getByTestId("sandbox-back");
  }

  /** Opens the Kaspi link in a new tab of the same browser context, as a phone would. */
  static async open(fromPage: Page, href: string): Promise<SandboxKaspiPage> {
    const page = await fromPage.context().newPage();
    const response = await page.goto(href);
    expect(response?.status(), `GET ${href}`).toBe(200);
    return new SandboxKaspiPage(page);
  }

  async confirm(): Promise<void> {
    await this.page.getByTestId("sandbox-confirm").click();
    await this.expectStatus("COMPLETED");
  }

  async decline(): Promise<void> {
    await this.page.getByTestId("sandbox-decline").click();
    await this.expectStatus("FAILED");
  }

  /** Kaspi's own statuses: PENDING, COMPLETED, FAILED, EXPIRED. */
  async expectStatus(status: string): Promise<void> {
    await expect(this.status).toHaveAttribute("data-status", status);
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
