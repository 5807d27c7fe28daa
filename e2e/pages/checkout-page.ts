import type { FrameLocator, Locator, Page } from "@playwright/test";
import { expect } from "@playwright/test";

// The shopper's checkout (/pay/{token}), either as a top-level page or inside the Bitrix host
// page's iframe: both a Page and a FrameLocator can find elements by test id.

export type KaspiLink = { href: string; paymentId: string };

export class CheckoutPage {
  readonly orderNumber: Locator;
  readonly amount: Locator;
  readonly qr: Locator;
  readonly payWithKaspi: Locator;
  readonly status: Locator;
  readonly returnToStore: Locator;
  readonly tryAgainButton: Locator;
  readonly newQrButton: Locator;

  constructor(root: Page | FrameLocator) {
    this.orderNumber = root.getByTestId("checkout-order-number");
    this.amount = root.getByTestId("checkout-amount");
    this.qr = root.getByTestId("checkout-qr");
    this.payWithKaspi = root.getByTestId("pay-with-kaspi");
    this.status = root.getByTestId("checkout-status");
    this.returnToStore = root.getByTestId("return-to-store");
    this.tryAgainButton = root.getByTestId("try-again");
    this.newQrButton = root.getByTestId("new-qr");
  }

  static async open(page: Page, checkoutUrl: string): Promise<CheckoutPage> {
    await page.goto(checkoutUrl);
    return new CheckoutPage(page);
  }

  /** Waits for the Kaspi payment to exist, then reads the link the "Pay with Kaspi" button opens. */
  async kaspiLink(): Promise<KaspiLink> {
    await expect(this.payWithKaspi).toHaveAttribute("href", /\/sandbox\/kaspi\/pay\/[^/?#]+/);
    const href = await this.payWithKaspi.getAttribute("href");
    if (!href) throw new Error("pay-with-kaspi has no href");
    const match = /\/sandbox\/kaspi\/pay\/([^/?#]+)/.exec(href);
    if (!match?.[1]) throw new Error(`not a sandbox Kaspi link: ${href}`);
    return { href, paymentId: decodeURIComponent(match[1]) };
  }

  async expectStatus(status: string, timeout?: number): Promise<void> {
    await expect(this.status).toHaveAttribute("data-status", status, timeout ? { timeout } : undefined);
  }

  async tryAgain(): Promise<void> {
    await this.tryAgainButton.click();
  }
}
