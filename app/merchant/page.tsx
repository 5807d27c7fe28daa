import type { Metadata } from "next";
import { MerchantShell } from "@/components/merchant/merchant-shell";
import { PaidChart } from "@/components/merchant/paid-chart";
import styles from "@/components/merchant/merchant.module.css";
import { db } from "@/lib/db";
import { merchantDict } from "@/lib/merchant/i18n";
import { merchantOverview } from "@/lib/merchant/overview";
import { requireMerchantPage } from "@/lib/merchant/page-auth";
import { merchantLang } from "@/lib/merchant/page-lang";
import { formatTenge } from "@/lib/money";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Kaspi Pay · обзор" };

export default async function MerchantOverviewPage() {
  const session = await requireMerchantPage("/merchant");
  const lang = await merchantLang();
  const t = merchantDict(lang);
  const overview = await merchantOverview(db(), session.storeId);
  const total = overview.days.reduce((s, d) => s + d.paidSum, 0);
  const percent =
    overview.conversion === null
      ? "—"
      : new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-GB", { style: "percent", maximumFractionDigits: 1 }).format(
          overview.conversion,
        );
  return (
    <MerchantShell session={session} lang={lang} section="overview">
      <h1 className={styles.h1}>{t.overview.title}</h1>
      <dl className={styles.totals}>
        <div>
          <dt>{t.overview.total}</dt>
          <dd data-testid="overview-total">{formatTenge(total)}</dd>
        </div>
        <div>
          <dt>{t.overview.conversion}</dt>
          <dd data-testid="overview-conversion">{percent}</dd>
          <dd className={styles.sub}>{t.overview.conversionHint(overview.ordersPaid, overview.ordersCreated)}</dd>
        </div>
      </dl>
      <section className={styles.card}>
        <PaidChart days={overview.days} t={t} lang={lang} />
      </section>
    </MerchantShell>
  );
}
