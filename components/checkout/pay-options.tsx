"use client";

import type { Messages } from "@/lib/i18n/types";
import type { PaymentView } from "@/lib/payments/checkout-views";
import { safeHttpUrl } from "@/lib/shared/safe-http-url";
import { PhoneIcon } from "./icons";
import { ExpiryCountdown } from "./expiry-countdown";
import { PaymentQr } from "./payment-qr";
import styles from "./checkout.module.css";

type Props = {
  link: string | null;
  qr: PaymentView["qr"];
  /** check/pay's Kaspi button when Kaspi did not take the JSON request: the same order as a form. */
  form?: PaymentView["kaspiForm"];
  expiresAt: string | undefined;
  t: Messages;
};

// Phone first: the button leads and the QR follows. From tablet width up the CSS grid puts the QR
// first and large, since a desktop shopper scans it with their phone.
export function PayOptions({ link, qr, form, expiresAt, t }: Props) {
  const code = qr ?? (link ? { format: "text" as const, value: link } : undefined);
  const action = form ? safeHttpUrl(form.action) : null;
  return (
    <section className={styles.pay} aria-label={t.payWithKaspi}>
      {!link && form && action ? (
        // Kaspi's own page takes the order (and shows its QR on a computer) in a new window; the
        // CSP allows exactly this action (lib/http/security-headers.ts).
        <form className={styles.payAction} method="post" action={action} target="_blank" data-testid="kaspi-form">
          {Object.entries(form.fields).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <button type="submit" className={`${styles.button} ${styles.buttonKaspi}`} data-testid="pay-with-kaspi-form">
            <PhoneIcon className={styles.buttonIcon} />
            {t.payWithKaspi}
          </button>
          <p className={styles.hint}>{t.payButtonHint}</p>
        </form>
      ) : null}
      {link ? (
        <div className={styles.payAction}>
          <p className={`${styles.divider} ${styles.dividerWide}`}>
            <span>{t.or}</span>
          </p>
          <a
            className={`${styles.button} ${styles.buttonKaspi}`}
            href={link}
            target="_blank"
            rel="noopener"
            data-testid="pay-with-kaspi"
          >
            <PhoneIcon className={styles.buttonIcon} />
            {t.payWithKaspi}
          </a>
          <p className={styles.hint}>{t.payButtonHint}</p>
        </div>
      ) : null}
      {code ? (
        <div className={styles.qrBlock}>
          {link ? (
            <p className={`${styles.divider} ${styles.dividerNarrow}`}>
              <span>{t.orScan}</span>
            </p>
          ) : null}
          <PaymentQr qr={code} label={t.qrAlt} />
          <div className={styles.qrCopy}>
            <p className={styles.qrTitle}>{t.scanQr}</p>
            <p className={styles.qrSteps}>{t.scanQrSteps}</p>
            {expiresAt ? <ExpiryCountdown expiresAt={expiresAt} t={t} /> : null}
          </div>
        </div>
      ) : expiresAt ? (
        <ExpiryCountdown expiresAt={expiresAt} t={t} />
      ) : null}
    </section>
  );
}
