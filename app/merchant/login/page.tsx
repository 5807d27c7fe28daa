import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/merchant/login-form";
import styles from "@/components/merchant/merchant.module.css";
import { merchantDict } from "@/lib/merchant/i18n";
import { currentMerchantSession } from "@/lib/merchant/page-auth";
import { merchantLang } from "@/lib/merchant/page-lang";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Kaspi Pay · вход" };

/** Only local paths: `next` must never send a merchant to another site after signing in. */
function safeNext(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  return v && v.startsWith("/merchant") && !v.startsWith("//") ? v : "/merchant/payments";
}

export default async function MerchantLoginPage(props: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const next = safeNext((await props.searchParams).next);
  if (await currentMerchantSession()) redirect(next);
  const lang = await merchantLang();
  const t = merchantDict(lang);
  return (
    <main className={styles.loginPage} lang={lang}>
      <section className={styles.loginCard}>
        <p className={styles.brand}>
          <span className={styles.brandMark} aria-hidden="true" />
          {t.brand}
        </p>
        <h1 className={styles.h1}>{t.login.title}</h1>
        <LoginForm lang={lang} next={next} />
      </section>
    </main>
  );
}
