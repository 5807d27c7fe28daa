"use client";

import { useEffect, useRef } from "react";
import { messagesFor, type Lang } from "@/lib/i18n";
import { formatTenge } from "@/lib/money";
import { safeHttpUrl } from "./checkout-api";
import { LockIcon } from "./icons";
import { KaspiExtras } from "./kaspi-extras";
import { PayOptions } from "./pay-options";
import { StatusPanel } from "./status-panel";
import { useCheckout } from "./use-checkout";
import { useIframeBridge } from "./use-iframe-bridge";
import styles from "./checkout.module.css";

export type CheckoutCardProps = {
  token: string;
  merchantName: string;
  orderNumber: string;
  amount: number;
  returnUrl: string | null;
  lang: Lang;
  /** Origins allowed to frame us and hear our postMessages (Bitrix stores, plus our own demo store). */
  parentOrigins: string[];
  /** The order runs against the Kaspi sandbox: say so, so nobody mistakes it for a real payment. */
  testMode?: boolean;
};

export function CheckoutCard({
  token,
  merchantName,
  orderNumber,
  amount,
  returnUrl,
  lang,
  parentOrigins,
  testMode = false,
}: CheckoutCardProps) {
  const t = messagesFor(lang);
  const rootRef = useRef<HTMLDivElement>(null);
  const { status, phase, payment, retry, stage, loan, switchDevice } = useCheckout(token);
  useIframeBridge({ rootRef, parentOrigins, status, orderNumber });

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  // The test id sits on the number itself, so "Order #", "Заказ №" and "№ … тапсырыс" all work.
  const [numberBefore = "", numberAfter = ""] = t.orderNumber.split("{number}");
  const link = safeHttpUrl(payment?.paymentLink);
  const payable = phase === "pending" && (link !== null || payment?.qr !== undefined);

  return (
    <div className={styles.page} ref={rootRef}>
      <main className={styles.card} data-phase={phase}>
        <header className={styles.header}>
          {testMode ? (
            <p className={styles.testMode} data-testid="checkout-test-mode" role="note">
              {t.testMode}
            </p>
          ) : null}
          <div className={styles.merchantRow}>
            <span className={styles.merchant}>{merchantName}</span>
            <span className={styles.secure}>
              <LockIcon className={styles.secureIcon} />
              {t.secureCheckout}
            </span>
          </div>
          <p className={styles.orderNumber}>
            {numberBefore}
            <span data-testid="checkout-order-number">{orderNumber}</span>
            {numberAfter}
          </p>
          <p className={styles.amountLabel}>{t.amountLabel}</p>
          <p className={styles.amount} data-testid="checkout-amount">
            {formatTenge(amount)}
          </p>
        </header>

        <StatusPanel phase={phase} status={status} t={t} returnUrl={safeHttpUrl(returnUrl)} onRetry={retry} />

        {payable ? <PayOptions link={link} qr={payment?.qr} expiresAt={payment?.expiresAt} t={t} /> : null}
        {payable ? (
          <KaspiExtras t={t} stage={stage} loan={loan} presentation={payment?.presentation} onSwitch={switchDevice} />
        ) : null}

        <footer className={styles.footer}>{t.poweredBy}</footer>
      </main>
    </div>
  );
}
