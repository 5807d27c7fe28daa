// GET /bitrix24/pay — the IFRAME_DATA ACTION_URI: Bitrix24 frames this page in its payment step
// and posts the pay system's FIELDS and BX_SYSTEM_PARAMS to it (RestHandler::getIframeTemplate,
// sale/lib/paysystem/resthandler.php). The page claims the payment and then becomes our checkout.
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { IframeClaim } from "@/components/bitrix24/iframe-claim";
import { scriptNonceOf } from "@/lib/http/security-headers";
import { iframePageFor } from "./store-page";

export const dynamic = "force-dynamic";

// Bitrix24 posts once, on the frame's load event, which can come before React has hydrated: this
// runs while the page is parsed and keeps every message until the component reads them.
const BUFFER =
  "window.__bx24q=[];window.addEventListener('message',function(e){window.__bx24q&&window.__bx24q.push({origin:e.origin,data:e.data})});";

export default async function Bitrix24PayPage({
  searchParams,
}: {
  searchParams: Promise<{ key?: string; portal?: string }>;
}) {
  // The ACTION_URI carries the installation's key (lib/bitrix24/checkout-access.ts): without it
  // this page does not exist, and the claim it sends carries the same key. The key is public (it is
  // in this page, which every shopper gets): the claim is confirmed over REST, within budgets.
  // The key names the store (the default one or an installed portal: ./store-page.ts), and with
  // it the one portal origin the page listens to; proxy.ts lets that portal alone frame it.
  const { key, portal } = await searchParams;
  const page = await iframePageFor(typeof key === "string" ? key : "", typeof portal === "string" ? portal : null);
  if (!page || typeof key !== "string") notFound();
  const nonce = scriptNonceOf((await headers()).get("content-security-policy"));
  return (
    <>
      <script nonce={nonce} dangerouslySetInnerHTML={{ __html: BUFFER }} />
      <IframeClaim portalOrigin={page.portalOrigin} checkoutKey={key} />
    </>
  );
}
