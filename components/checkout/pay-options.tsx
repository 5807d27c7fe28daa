"use client";

import type { Messages } from "@/lib/i18n/types";
import type { PaymentView } from "@/lib/payments/checkout-views";
import { PhoneIcon } from "./icons";
import { ExpiryCountdown } from "./expiry-countdown";
import { PaymentQr } from "./payment-qr";
import styles from "./checkout.module.css";

type Props = { link: string | null; qr: PaymentView["qr"]; expiresAt: string | undefined; t: Messages };

// Phone first: the button leads and the QR follows. From tablet width up the CSS grid puts the QR
// first and large, since a desktop shopper scans it with their phone.
export function PayOptions({ link, qr, expiresAt, t }: Props) {
  const code = qr ?? (link ? { format: "text" as const, value: link } : undefined);
  return (
    <section className={styles.pay} aria-label={t.payWithKaspi}>
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
