// GET /pay/{token} — the shopper's checkout page, usually inside the Bitrix checkout's iframe.
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { CheckoutCard } from "@/components/checkout/checkout-card";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { pickLang } from "@/lib/i18n";

export const dynamic = "force-dynamic";

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

export default async function PayPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  if (!TOKEN.test(token)) notFound();
  const order = await db().order.findUnique({
    where: { checkoutToken: token },
    select: { externalId: true, accountNumber: true, amount: true, returnUrl: true, lang: true, mode: true },
  });
  if (!order) notFound();

  const config = env();
  const lang = pickLang(order.lang, (await headers()).get("accept-language"));
  // Our own demo store frames the checkout too, but only when the sandbox is on.
  const parentOrigins = config.sandboxEnabled
    ? [...new Set([...config.bitrixOrigins, new URL(config.appUrl).origin])]
    : config.bitrixOrigins;

  return (
    <CheckoutCard
      token={token}
      merchantName={config.MERCHANT_NAME}
      orderNumber={order.accountNumber ?? order.externalId}
      amount={order.amount}
      returnUrl={order.returnUrl}
      lang={lang}
      parentOrigins={parentOrigins}
      testMode={order.mode !== "live"}
    />
  );
}
