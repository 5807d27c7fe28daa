// POST /bitrix24/app/settings — the settings form of the app's page: administrators only, the
// frame's AUTH_ID checked again with user.admin, then the store's Kaspi settings saved
// (lib/stores/kaspi-settings.ts): ../respond.ts.
import { saveFromAppPage } from "../respond";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  return saveFromAppPage(request, "POST /bitrix24/app/settings");
}
