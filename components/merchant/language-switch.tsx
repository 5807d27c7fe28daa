"use client";

import { useRouter } from "next/navigation";
import { MERCHANT_LANG_COOKIE, type MerchantLang } from "@/lib/merchant/i18n";
import styles from "./merchant.module.css";

function rememberLang(lang: MerchantLang): void {
  document.cookie = `${MERCHANT_LANG_COOKIE}=${lang}; Path=/merchant; Max-Age=31536000; SameSite=Lax`;
}

// A preference, not state on the server: a cookie the pages read, then a refresh.
export function LanguageSwitch({ lang, label }: { lang: MerchantLang; label: string }) {
  const router = useRouter();
  const choose = (next: MerchantLang) => {
    rememberLang(next);
    router.refresh();
  };
  return (
    <div className={styles.langSwitch} role="group" aria-label={label}>
      {(["ru", "en"] as const).map((l) => (
        <button
          key={l}
          type="button"
          className={styles.langButton}
          aria-pressed={lang === l}
          onClick={() => choose(l)}
          data-testid={`merchant-lang-${l}`}
        >
          {l === "ru" ? "RU" : "EN"}
        </button>
      ))}
    </div>
  );
}
