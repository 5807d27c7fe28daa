import Link from "next/link";
import type { ReactNode } from "react";
import { merchantDict, type MerchantLang } from "@/lib/merchant/i18n";
import type { MerchantPageSession } from "@/lib/merchant/page-auth";
import { LanguageSwitch } from "./language-switch";
import { MerchantClientProvider } from "./merchant-client";
import { SignOutButton } from "./sign-out-button";
import styles from "./merchant.module.css";

type Section = "overview" | "payments" | "users";

// The frame of every signed-in merchant page: brand, navigation, language, who is signed in.
export function MerchantShell(props: {
  session: MerchantPageSession;
  lang: MerchantLang;
  section: Section;
  children: ReactNode;
}) {
  const t = merchantDict(props.lang);
  const links: { href: string; section: Section; label: string }[] = [
    { href: "/merchant", section: "overview", label: t.nav.overview },
    { href: "/merchant/payments", section: "payments", label: t.nav.payments },
    ...(props.session.role === "admin"
      ? [{ href: "/merchant/users", section: "users" as const, label: t.nav.users }]
      : []),
  ];
  return (
    <MerchantClientProvider value={{ csrfToken: props.session.csrfToken, lang: props.lang }}>
      <div className={styles.page} lang={props.lang}>
        <header className={styles.header}>
          <p className={styles.brand}>
            <span className={styles.brandMark} aria-hidden="true" />
            {t.brand}
          </p>
          <nav aria-label={t.brand} className={styles.nav}>
            {links.map((l) => (
              <Link
                key={l.href}
                href={l.href}
                className={styles.navLink}
                aria-current={l.section === props.section ? "page" : undefined}
              >
                {l.label}
              </Link>
            ))}
          </nav>
          <div className={styles.headerEnd}>
            <LanguageSwitch lang={props.lang} label={t.nav.language} />
            <span className={styles.who} data-testid="merchant-user">
              {props.session.email}
            </span>
            <SignOutButton label={t.nav.signOut} />
          </div>
        </header>
        {props.session.testMode ? (
          <p className={styles.sandboxBanner} data-testid="merchant-sandbox-banner" role="note">
            {t.sandboxBanner}
          </p>
        ) : null}
        <main className={styles.main}>{props.children}</main>
      </div>
    </MerchantClientProvider>
  );
}
