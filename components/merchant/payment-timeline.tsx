import { formatAlmaty } from "@/lib/merchant/almaty-time";
import type { MerchantDict, MerchantLang } from "@/lib/merchant/i18n";
import type { PaymentDetail } from "@/lib/merchant/payment-detail";
import styles from "./merchant.module.css";
import { prettyJson } from "@/lib/shared/pretty-json";

// The order's append-only timeline: every event of every attempt, oldest first, with the raw
// data one click away (callbacks as received, Kaspi's answers, delivery attempts).
export function PaymentTimeline(props: { detail: PaymentDetail; t: MerchantDict; lang: MerchantLang }) {
  const { detail, t, lang } = props;
  const attemptOf = new Map(detail.attempts.map((a) => [a.id, a.attempt]));
  return (
    <ol className={styles.timeline} data-testid="timeline">
      {detail.events.map((e) => {
        const mine = e.paymentId === detail.payment.id;
        return (
          <li key={e.id} className={styles.event} data-type={e.type} data-testid="timeline-event" data-mine={mine}>
            <div className={styles.eventHead}>
              <time dateTime={e.createdAt.toISOString()}>{formatAlmaty(e.createdAt, lang, true)}</time>
              <code className={styles.eventType}>{e.type}</code>
              <span className={styles.eventSource}>{e.source}</span>
              {e.paymentId && !mine ? (
                <span className={styles.sub}>
                  {t.detail.attempt} #{attemptOf.get(e.paymentId) ?? "?"}
                </span>
              ) : null}
            </div>
            {e.message ? <p className={styles.eventMessage}>{e.message}</p> : null}
            {e.data ? (
              <details className={styles.eventData}>
                <summary>{t.detail.details}</summary>
                <pre>{prettyJson(e.data)}</pre>
              </details>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
