import { isPaymentStatus } from "@/lib/payments/status";
import type { MerchantDict } from "@/lib/merchant/i18n";
import styles from "./merchant.module.css";

export function StatusBadge({ status, t }: { status: string; t: MerchantDict }) {
  const label = isPaymentStatus(status) ? t.status[status] : status;
  return (
    <span className={styles.badge} data-status={status} data-testid="status-badge">
      {label}
    </span>
  );
}
