import Link from "next/link";
import { formatAlmaty } from "@/lib/merchant/almaty-time";
import type { MerchantDict, MerchantLang } from "@/lib/merchant/i18n";
import type { PaymentRow } from "@/lib/merchant/payments-query";
import { formatTenge } from "@/lib/money";
import { StatusBadge } from "./status-badge";
import styles from "./merchant.module.css";

// The list's rows. A table at desktop widths; each row becomes a card on a phone (CSS only).
export function PaymentsTable({ rows, t, lang }: { rows: PaymentRow[]; t: MerchantDict; lang: MerchantLang }) {
  if (rows.length === 0) {
    return (
      <p className={styles.empty} data-testid="payments-empty">
        {t.list.empty}
      </p>
    );
  }
  return (
    <table className={styles.table} data-testid="payments-table">
      <caption className="visually-hidden">{t.list.title}</caption>
      <thead>
        <tr>
          <th scope="col">{t.list.created}</th>
          <th scope="col">{t.list.order}</th>
          <th scope="col">{t.list.kaspiId}</th>
          <th scope="col">{t.list.phone}</th>
          <th scope="col" className={styles.num}>
            {t.list.amount}
          </th>
          <th scope="col" className={styles.num}>
            {t.list.refunded}
          </th>
          <th scope="col">{t.list.status}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-testid="payment-row" data-payment-id={r.id} data-status={r.status}>
            <td data-label={t.list.created}>{formatAlmaty(r.createdAt, lang)}</td>
            <td data-label={t.list.order}>
              <div>
                <Link href={`/merchant/payments/${r.id}`} className={styles.rowLink} data-testid="payment-link">
                  {r.order.externalId}
                </Link>
                {r.order.accountNumber ? <span className={styles.sub}>{r.order.accountNumber}</span> : null}
                {r.attempt > 1 ? <span className={styles.sub}>#{r.attempt}</span> : null}
              </div>
            </td>
            <td data-label={t.list.kaspiId} className={styles.mono}>
              {r.kaspiPaymentId ?? "—"}
            </td>
            <td data-label={t.list.phone}>{r.order.phone ?? "—"}</td>
            <td data-label={t.list.amount} className={styles.num} data-testid="payment-amount">
              {formatTenge(r.amount)}
            </td>
            <td data-label={t.list.refunded} className={styles.num} data-testid="payment-refunded">
              {r.refundedAmount ? formatTenge(r.refundedAmount) : "—"}
            </td>
            <td data-label={t.list.status}>
              <StatusBadge status={r.status} t={t} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
