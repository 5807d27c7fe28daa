import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { db } from "../db";
import { env } from "../env";
import { roleAllows, type MerchantRole } from "./roles";
import { findSession, sessionCookieName, type MerchantSessionView } from "./sessions";

// The guard of every /merchant page (server components): no session → the sign-in page, which
// brings the merchant back to `next` afterwards.
/** A signed-in merchant page's session, and whether this deployment takes sandbox (test) payments. */
export type MerchantPageSession = MerchantSessionView & { testMode: boolean };

export async function requireMerchantPage(next: string, role: MerchantRole = "viewer"): Promise<MerchantPageSession> {
  const store = await cookies();
  const session = await findSession(db(), store.get(sessionCookieName(env().appUrl))?.value);
  if (!session) redirect(`/merchant/login?next=${encodeURIComponent(next)}`);
  if (!roleAllows(session.role, role)) redirect("/merchant/payments");
  return { ...session, testMode: env().paymentMode === "sandbox" };
}

export async function currentMerchantSession(): Promise<MerchantSessionView | null> {
  const store = await cookies();
  return findSession(db(), store.get(sessionCookieName(env().appUrl))?.value);
}
