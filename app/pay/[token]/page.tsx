// GET /pay/{token} — the shopper's checkout page, usually inside the Bitrix checkout's iframe.
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { CheckoutCard } from "@/components/checkout/checkout-card";
import { checkoutPageDeps, siteSettings } from "@/lib/container";
import { messagesFor, pickLang } from "@/lib/i18n";
import { loadCheckoutPage } from "@/lib/payments/checkout-page";

export const dynamic = "force-dynamic";

export default async function PayPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const page = await loadCheckoutPage(checkoutPageDeps(), token);
  if (!page) notFound();
  const lang = pickLang(page.orderLang, (await headers()).get("accept-language"));
  return (
    <CheckoutCard
      token={token}
      merchantName={page.merchantName}
      orderNumber={page.orderNumber}
      amount={page.amount}
      returnUrl={page.returnUrl}
      lang={lang}
      messages={messagesFor(lang)}
      parentOrigins={page.parentOrigins}
      kaspi={page.kaspi}
      testMode={page.mode !== "live"}
      awaitReceipt={siteSettings().receipts}
    />
  );
}
