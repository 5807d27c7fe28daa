import Link from "next/link";
import type { MerchantDict } from "@/lib/merchant/i18n";
import type { PaymentFilters } from "@/lib/merchant/payment-filters";
import { PAYMENT_STATUSES } from "@/lib/payments/status";
import styles from "./merchant.module.css";

// A plain GET form: the filters land in the URL, so a view can be bookmarked and shared, and the
// list works without JavaScript.
export function PaymentsFiltersForm({ filters, t }: { filters: PaymentFilters; t: MerchantDict }) {
  return (
    <form
      className={styles.filters}
      method="get"
      action="/merchant/payments"
      role="search"
      data-testid="payments-filters"
    >
      <label className={styles.field}>
        <span>{t.list.status}</span>
        <select name="status" defaultValue={filters.status ?? ""} data-testid="filter-status">
          <option value="">{t.list.anyStatus}</option>
          {PAYMENT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t.status[s]}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.field}>
        <span>{t.list.from}</span>
        <input type="date" name="from" defaultValue={filters.from ?? ""} data-testid="filter-from" />
      </label>
      <label className={styles.field}>
        <span>{t.list.to}</span>
        <input type="date" name="to" defaultValue={filters.to ?? ""} data-testid="filter-to" />
      </label>
      <label className={`${styles.field} ${styles.searchField}`}>
        <span>{t.list.search}</span>
        <input
          type="search"
          name="q"
          defaultValue={filters.q ?? ""}
          placeholder={t.list.searchHint}
          maxLength={100}
          data-testid="filter-q"
        />
      </label>
      <label className={styles.field}>
        <span>{t.list.attention}</span>
        <input
          type="checkbox"
          name="attention"
          value="1"
          defaultChecked={filters.attention === "1"}
          data-testid="filter-attention"
        />
      </label>
      <div className={styles.filterButtons}>
        <button type="submit" className={styles.primary} data-testid="filter-apply">
          {t.list.apply}
        </button>
        <Link href="/merchant/payments" className={styles.secondary}>
          {t.list.reset}
        </Link>
      </div>
    </form>
  );
}
