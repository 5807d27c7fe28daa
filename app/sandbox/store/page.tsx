// GET /sandbox/store — a demo shop that plays 1C-Bitrix: it places signed orders and frames our checkout.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { DemoCheckout } from "@/components/sandbox/demo-checkout";
import { SandboxBanner } from "@/components/sandbox/sandbox-banner";
import { StoreNotifications, type DemoNotification } from "@/components/sandbox/store-notifications";
import { StoreSubmitButton } from "@/components/sandbox/store-submit-button";
import styles from "@/components/sandbox/sandbox.module.css";
import { kaspiContract, siteSettings } from "@/lib/container";
import { isLang, LANG_NAMES, LANGS } from "@/lib/i18n";
import { formatTenge } from "@/lib/money";
import { createDemoOrder, findDemoOrder, listDemoNotifications } from "@/lib/sandbox/demo-store";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Demo store (sandbox) · Kaspi Pay" };

type SearchParams = Record<string, string | string[] | undefined>;

function one(params: SearchParams, key: string): string | undefined {
  const value = params[key];
  return typeof value === "string" ? value : undefined;
}

async function placeOrder(formData: FormData): Promise<void> {
  "use server";
  if (!siteSettings().sandboxEnabled) notFound();
  const amount = Number(formData.get("amount"));
  const lang = formData.get("lang");
  const phone = String(formData.get("phone") ?? "").trim();
  if (!Number.isInteger(amount) || amount <= 0) {
    redirect(`/sandbox/store?error=${encodeURIComponent("Enter a whole number of tenge.")}`);
  }
  const result = await createDemoOrder({ amount, ...(isLang(lang) ? { lang } : {}), ...(phone ? { phone } : {}) });
  if (!result.ok) redirect(`/sandbox/store?error=${encodeURIComponent(result.message)}`);
  redirect(
    `/sandbox/store?checkout=${encodeURIComponent(result.checkoutUrl)}&order=${encodeURIComponent(result.externalId)}`,
  );
}

/** Which Kaspi contract this run plays, and how to see the others (one protocol per run). */
const CONTRACTS = {
  checkpay: "provider (check/pay) with the Kaspi button: Kaspi's link and QR, then Kaspi asks the store check and pay",
  qr: "Kaspi QR merchant API: a QR on a computer, a link on a phone, the app polls Kaspi",
  ecom: "eCommerce API (as the brief describes it): a payment link, Kaspi calls back",
} as const;

export default async function DemoStorePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const config = siteSettings();
  const contract = kaspiContract();
  if (!config.sandboxEnabled) notFound();
  const params = await searchParams;
  const appOrigin = new URL(config.appUrl).origin;
  const externalId = one(params, "order") ?? one(params, "paid");
  const order = await findDemoOrder(externalId);

  return (
    <div className={styles.storeShell} lang="en">
      <SandboxBanner>demo store playing 1C-Bitrix — test orders only, no real money</SandboxBanner>
      <header className={styles.storeHeader}>
        <div className={styles.storeHeaderInner}>
          <Link className={styles.storeName} href="/sandbox/store">
            {config.merchantName}
          </Link>
          <span className={styles.storeTagline}>SANDBOX demo store · checkout with Kaspi Pay</span>
        </div>
      </header>
      <p className={styles.storeTagline} data-testid="store-contract" data-protocol={contract}>
        Kaspi contract in this run: {CONTRACTS[contract]}. The others:{" "}
        {(Object.keys(CONTRACTS) as (keyof typeof CONTRACTS)[])
          .filter((p) => p !== contract)
          .map((p) => `KASPI_PROTOCOL=${p} npm start`)
          .join(" · ")}
        .
      </p>
      <main className={styles.storeMain}>
        {order && one(params, "paid") ? (
          <PaidView
            orderNumber={order.accountNumber ?? order.externalId}
            notifications={await notificationsOf(order.externalId)}
          />
        ) : order ? (
          <>
            <h1 className={styles.pageTitle}>Checkout</h1>
            <section className={styles.panel} aria-label="Order summary">
              <dl className={styles.summary}>
                <dt>Order</dt>
                <dd data-testid="store-order">{order.accountNumber ?? order.externalId}</dd>
                <dt>Demo product × 1</dt>
                <dd>{formatTenge(order.amount)}</dd>
                <dt className={styles.summaryTotal}>Total</dt>
                <dd className={styles.summaryTotal}>{formatTenge(order.amount)}</dd>
              </dl>
            </section>
            <DemoCheckout
              checkoutUrl={checkoutUrlFor(
                one(params, "checkout"),
                appOrigin,
                `${config.appUrl}/pay/${order.checkoutToken}`,
              )}
              frameOrigin={appOrigin}
              notifications={await notificationsOf(order.externalId)}
            />
            <Link href="/sandbox/store">Start another order</Link>
          </>
        ) : (
          <OrderForm error={one(params, "error")} />
        )}
      </main>
    </div>
  );
}

// Only our own checkout is ever framed here, whatever the query string says.
function checkoutUrlFor(fromQuery: string | undefined, appOrigin: string, fallback: string): string {
  if (!fromQuery) return fallback;
  try {
    const url = new URL(fromQuery);
    return url.origin === appOrigin && url.pathname.startsWith("/pay/") ? url.href : fallback;
  } catch {
    return fallback;
  }
}

async function notificationsOf(externalId: string): Promise<DemoNotification[]> {
  const rows = await listDemoNotifications(externalId);
  return rows.map((n) => ({ event: n.event, receivedAt: n.receivedAt.toISOString(), payload: n.payload }));
}

function OrderForm({ error }: { error: string | undefined }) {
  return (
    <>
      <h1 className={styles.pageTitle}>Place a test order</h1>
      <section className={styles.panel}>
        <form action={placeOrder} className={styles.form}>
          {error ? (
            <p className={styles.error} role="alert">
              {error}
            </p>
          ) : null}
          <div className={styles.field}>
            <label className={styles.fieldLabel} htmlFor="store-amount">
              Order amount, ₸
            </label>
            <input
              id="store-amount"
              className={styles.input}
              name="amount"
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              required
              defaultValue={12500}
              data-testid="store-amount"
            />
            <span className={styles.fieldHint}>Whole tenge, as Bitrix would send it.</span>
          </div>
          <div className={styles.field}>
            <label className={styles.fieldLabel} htmlFor="store-lang">
              Checkout language
            </label>
            <select id="store-lang" className={styles.input} name="lang" defaultValue="ru" data-testid="store-lang">
              {LANGS.map((l) => (
                <option key={l} value={l}>
                  {LANG_NAMES[l]}
                </option>
              ))}
            </select>
          </div>
          <div className={styles.field}>
            <label className={styles.fieldLabel} htmlFor="store-phone">
              Phone (optional)
            </label>
            <input
              id="store-phone"
              className={styles.input}
              name="phone"
              type="tel"
              autoComplete="tel"
              placeholder="+7 700 000 00 00"
              data-testid="store-phone"
            />
          </div>
          <StoreSubmitButton />
        </form>
      </section>
    </>
  );
}

function PaidView({ orderNumber, notifications }: { orderNumber: string; notifications: DemoNotification[] }) {
  const delivered = notifications.some((n) => n.event === "payment.paid");
  return (
    <>
      <div className={styles.thanks} role="status" data-testid="store-thanks">
        <p className={styles.thanksTitle}>Thank you! Order {orderNumber}</p>
        <p>
          {delivered
            ? "The store received the payment notification and marked the order paid."
            : "The shopper came back from the checkout. The store is waiting for the payment notification."}
        </p>
      </div>
      <StoreNotifications notifications={notifications} />
      <Link href="/sandbox/store">Start another order</Link>
    </>
  );
}
