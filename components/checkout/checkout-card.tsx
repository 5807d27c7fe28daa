"use client";

import { useEffect, useRef } from "react";
import { AccountBox } from "./account-box";
import { deviceHint } from "./checkout-api";
import { RemoteInvoice } from "./remote-invoice";
import { useLapsed } from "./use-lapsed";
import type { Lang, Messages } from "@/lib/i18n/types";
import { formatTenge } from "@/lib/money";
import { safeHttpUrl } from "@/lib/shared/safe-http-url";
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
  /** That language's messages (the server picks them: the page's bundle carries no dictionary). */
  messages: Messages;
  /** Origins allowed to frame us and hear our postMessages (Bitrix stores, plus our own demo store). */
  parentOrigins: string[];
  /** What the Kaspi connection offers: check/pay shows the account; Kaspi QR r3 invoices by phone. */
  kaspi?: {
    protocol: "ecom" | "qr" | "checkpay";
    scheme?: "r1" | "r2" | "r3";
    /** check/pay: the Kaspi button ("online": Kaspi's link and QR carry the order) or the service link. */
    entry?: "online" | "link";
    phone?: string | null;
  };
  /** The order runs against the Kaspi sandbox: say so, so nobody mistakes it for a real payment. */
  testMode?: boolean;
  /** Receipts are issued: once paid, the page keeps asking (a while) until the receipt's link comes. */
  awaitReceipt?: boolean;
};

export function CheckoutCard({
  token,
  merchantName,
  orderNumber,
  amount,
  returnUrl,
  lang,
  messages: t,
  parentOrigins,
  kaspi,
  testMode = false,
  awaitReceipt = false,
}: CheckoutCardProps) {
  const rootRef = useRef<HTMLDivElement>(null);
  const { status, phase, payment, retry, stage, loan, receiptUrl, switchDevice, renew, reload } = useCheckout(token, {
    awaitReceipt,
  });
  useIframeBridge({ rootRef, parentOrigins, status, orderNumber });

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  // The test id sits on the number itself, so "Order #", "Заказ №" and "№ … тапсырыс" all work.
  const [numberBefore = "", numberAfter = ""] = t.orderNumber.split("{number}");
  const link = safeHttpUrl(payment?.paymentLink);
  // Kaspi QR: past QrCodeScanWaitTimeout / LinkActivationWaitTimeout without a scan, the QR or link
  // is dropped and a fresh one offered (docs/kaspi.md §3).
  const qrLike = payment?.presentation === "qr" || payment?.presentation === "link";
  const lapsed = useLapsed(qrLike ? payment?.expiresAt : undefined) && stage !== "awaiting_confirmation";
  const kaspiForm = payment?.kaspiForm;
  const payable = phase === "pending" && !lapsed && (link !== null || payment?.qr !== undefined || !!kaspiForm);
  const remote = kaspi?.protocol === "qr" && kaspi.scheme === "r3";
  const remoteSent = payment?.presentation === "remote" && phase === "pending";

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

        <StatusPanel
          phase={phase}
          status={status}
          t={t}
          returnUrl={safeHttpUrl(returnUrl)}
          receiptUrl={safeHttpUrl(receiptUrl)}
          onRetry={retry}
        />

        {payable ? (
          <PayOptions link={link} qr={payment?.qr} form={kaspiForm} expiresAt={payment?.expiresAt} t={t} />
        ) : null}
        {payable && kaspi?.protocol === "checkpay" && kaspi.entry === "link" ? (
          <AccountBox account={orderNumber} merchantName={merchantName} t={t} />
        ) : null}
        {payable ? (
          <KaspiExtras
            t={t}
            stage={stage}
            loan={loan}
            presentation={qrLike ? payment?.presentation : undefined}
            onSwitch={switchDevice}
          />
        ) : null}
        {phase === "pending" && lapsed ? (
          <section className={styles.pay} data-testid="checkout-lapsed">
            <p className={styles.hint}>{t.qrLapsed}</p>
            <button
              type="button"
              className={`${styles.button} ${styles.buttonPrimary}`}
              onClick={renew}
              data-testid="new-qr-lapsed"
            >
              {t.newQr}
            </button>
          </section>
        ) : null}
        {remote && (payable || remoteSent) ? (
          <RemoteInvoice
            token={token}
            t={t}
            merchantName={merchantName}
            phone={kaspi.phone ?? null}
            sent={remoteSent}
            onSent={reload}
            onBackToQr={() => switchDevice(deviceHint())}
          />
        ) : null}

        <footer className={styles.footer}>{t.poweredBy}</footer>
      </main>
    </div>
  );
}
