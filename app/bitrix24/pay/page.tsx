// GET /bitrix24/pay — the IFRAME_DATA ACTION_URI: Bitrix24 frames this page in its payment step
// and posts the pay system's FIELDS and BX_SYSTEM_PARAMS to it (RestHandler::getIframeTemplate,
// sale/lib/paysystem/resthandler.php). The page claims the payment and then becomes our checkout.
import { IframeClaim } from "@/components/bitrix24/iframe-claim";
import { bitrix24PortalOrigin } from "@/lib/bitrix24/container";

export const dynamic = "force-dynamic";

// Bitrix24 posts once, on the frame's load event, which can come before React has hydrated: this
// runs while the page is parsed and keeps every message until the component reads them.
const BUFFER =
  "window.__bx24q=[];window.addEventListener('message',function(e){window.__bx24q&&window.__bx24q.push({origin:e.origin,data:e.data})});";

export default function Bitrix24PayPage() {
  return (
    <>
      <script dangerouslySetInnerHTML={{ __html: BUFFER }} />
      <IframeClaim portalOrigin={bitrix24PortalOrigin()} />
    </>
  );
}
