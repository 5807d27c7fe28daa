import { cookies } from "next/headers";
import { MERCHANT_LANG_COOKIE, pickMerchantLang, type MerchantLang } from "./i18n";

/** The merchant's language: the cookie set by the language switch, Russian by default. */
export async function merchantLang(): Promise<MerchantLang> {
  return pickMerchantLang((await cookies()).get(MERCHANT_LANG_COOKIE)?.value);
}
