import type { Metadata } from "next";
import Link from "next/link";
import { MerchantShell } from "@/components/merchant/merchant-shell";
import { PaymentsFiltersForm } from "@/components/merchant/payments-filters";
import { PaymentsTable } from "@/components/merchant/payments-table";
import styles from "@/components/merchant/merchant.module.css";
import { db } from "@/lib/db";
import { merchantDict } from "@/lib/merchant/i18n";
import { requireMerchantPage } from "@/lib/merchant/page-auth";
import { merchantLang } from "@/lib/merchant/page-lang";
import { filtersToQuery, parseFilters } from "@/lib/merchant/payment-filters";
import { paymentsView } from "@/lib/merchant/payments-query";
import { formatTenge } from "@/lib/money";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Kaspi Pay · платежи" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function MerchantPaymentsPage(props: Props) {
  const filters = parseFilters(await props.searchParams);
  const session = await requireMerchantPage(`/merchant/payments${filtersToQuery(filters, { cursor: filters.cursor })}`);
  const lang = await merchantLang();
  const t = merchantDict(lang);
  const { page, totals } = await paymentsView(db(), session.storeId, filters);
  const exportBase = `/api/merchant/payments/export${filtersToQuery(filters)}`;
  const withParam = (base: string, param: string) => `${base}${base.includes("?") ? "&" : "?"}${param}`;

  return (
    <MerchantShell session={session} lang={lang} section="payments">
      <div className={styles.titleRow}>
        <h1 className={styles.h1}>{t.list.title}</h1>
        <div className={styles.exportLinks}>
          <a href={exportBase} className={styles.secondary} data-testid="export-csv" download>
            {t.list.exportCsv}
          </a>
          <a
            href={withParam(exportBase, "delimiter=semicolon")}
            className={styles.secondary}
            data-testid="export-csv-semicolon"
            download
          >
            {t.list.exportCsvSemicolon}
          </a>
        </div>
      </div>
      <PaymentsFiltersForm filters={filters} t={t} />
      <dl className={styles.totals} data-testid="payments-totals">
        <div>
          <dt>{t.list.totalsCount}</dt>
          <dd data-testid="totals-count">{totals.count.toLocaleString(lang === "ru" ? "ru-RU" : "en-GB")}</dd>
        </div>
        <div>
          <dt>{t.list.totalsPaid}</dt>
          <dd data-testid="totals-paid">{formatTenge(totals.paidSum)}</dd>
        </div>
        <div>
          <dt>{t.list.totalsRefunded}</dt>
          <dd data-testid="totals-refunded">{formatTenge(totals.refundedSum)}</dd>
        </div>
      </dl>
      <PaymentsTable rows={page.rows} t={t} lang={lang} />
      <nav className={styles.pager} aria-label={t.list.title}>
        {filters.cursor ? (
          <Link href={`/merchant/payments${filtersToQuery(filters)}`} className={styles.secondary}>
            {t.list.first}
          </Link>
        ) : (
          <span />
        )}
        {page.nextCursor ? (
          <Link
            href={`/merchant/payments${filtersToQuery(filters, { cursor: page.nextCursor })}`}
            className={styles.secondary}
            data-testid="next-page"
          >
            {t.list.next}
          </Link>
        ) : null}
      </nav>
      <p className={styles.note}>{t.list.datesNote}</p>
    </MerchantShell>
  );
}
