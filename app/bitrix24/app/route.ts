// POST /bitrix24/app — the app's page in the portal's frame (the Kaspi settings and the latest
// payments of the store installed with the form's member_id): ./respond.ts.
import { openAppPage } from "./respond";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  return openAppPage(request, "POST /bitrix24/app");
}
