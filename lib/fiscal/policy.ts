import { env } from "../env";
import type { FiscalSettings } from "./settings";

/** The fiscal settings in force (FISCAL_PROVIDER, WEBKASSA_*), or null when receipts are off. */
export function fiscalSettings(): FiscalSettings | null {
  return env().fiscal;
}

/**
 * When a notification that carries a receipt's link may first go: after the receipt had its
 * bounded chance (FISCAL_NOTIFY_WAIT_SECONDS); at once when receipts are off. The receipt being
 * issued sooner moves it up (lib/fiscal/receipt-issued.ts).
 */
export function notifyNotBefore(now: Date): Date {
  const fiscal = fiscalSettings();
  return fiscal ? new Date(now.getTime() + fiscal.notifyWaitMs) : now;
}
