"use client";

import type { ReactNode } from "react";
import type { Messages } from "@/lib/i18n/types";
import type { PaymentStatus } from "@/lib/payments/status";
import { AlertIcon, CheckIcon, ClockIcon, CrossIcon, PhoneIcon } from "./icons";
import { ReturnToStore } from "./return-to-store";
import type { CheckoutPhase } from "./use-checkout";
import styles from "./checkout.module.css";

type Tone = "progress" | "waiting" | "success" | "danger" | "warning" | "neutral";

type PanelProps = {
  phase: CheckoutPhase;
  status: PaymentStatus;
  t: Messages;
  returnUrl: string | null;
  /** The fiscal receipt (the OFD's page) of a paid order, once it is issued. */
  receiptUrl?: string | null;
  onRetry: () => void;
};

type View = { tone: Tone; icon: ReactNode; title: string; text?: string; action?: ReactNode };

export function StatusPanel({ phase, status, t, returnUrl, receiptUrl, onRetry }: PanelProps) {
  const retryButton = (testId: "try-again" | "new-qr", label: string) => (
    <button type="button" className={`${styles.button} ${styles.buttonPrimary}`} onClick={onRetry} data-testid={testId}>
      {label}
    </button>
  );
  const back = returnUrl ? <ReturnToStore href={returnUrl} label={t.returnToStore} /> : undefined;
  const receipt = receiptUrl ? (
    <a className={styles.receiptLink} href={receiptUrl} target="_blank" rel="noopener noreferrer" data-testid="receipt-link">
      {t.receipt}
    </a>
  ) : null;
  const afterPayment =
    back || receipt ? (
      <>
        {receipt}
        {back}
      </>
    ) : undefined;

  const views: Record<CheckoutPhase, View> = {
    preparing: { tone: "progress", icon: <span className={styles.spinner} />, title: t.preparing },
    pending: {
      tone: "waiting",
      icon: <PhoneIcon className={styles.statusIconSvg} />,
      title: t.pendingTitle,
      text: t.pendingText,
    },
    paid: {
      tone: "success",
      icon: <CheckIcon className={styles.statusIconSvg} />,
      title: t.paidTitle,
      text: t.paidText,
      action: afterPayment,
    },
    refunded: {
      tone: "neutral",
      icon: <CheckIcon className={styles.statusIconSvg} />,
      title: t.refundedTitle,
      text: status === "PARTIALLY_REFUNDED" ? t.partiallyRefundedText : t.refundedText,
      action: afterPayment,
    },
    failed: {
      tone: "danger",
      icon: <CrossIcon className={styles.statusIconSvg} />,
      title: t.failedTitle,
      text: t.failedText,
      action: retryButton("try-again", t.tryAgain),
    },
    expired: {
      tone: "warning",
      icon: <ClockIcon className={styles.statusIconSvg} />,
      title: t.expiredTitle,
      text: t.expiredText,
      action: retryButton("new-qr", t.newQr),
    },
    cancelled: {
      tone: "neutral",
      icon: <CrossIcon className={styles.statusIconSvg} />,
      title: t.cancelledTitle,
      text: t.cancelledText,
      action: back,
    },
    unavailable: {
      tone: "warning",
      icon: <AlertIcon className={styles.statusIconSvg} />,
      title: t.unavailableTitle,
      text: t.unavailableText,
      action: retryButton("try-again", t.tryAgain),
    },
    rejected: {
      tone: "danger",
      icon: <AlertIcon className={styles.statusIconSvg} />,
      title: t.rejectedTitle,
      text: t.rejectedText,
      action: retryButton("try-again", t.tryAgain),
    },
    error: {
      tone: "danger",
      icon: <AlertIcon className={styles.statusIconSvg} />,
      title: t.errorTitle,
      text: t.errorText,
      action: retryButton("try-again", t.tryAgain),
    },
  };
  const view = views[phase];

  return (
    <section
      className={`${styles.status} ${styles[`tone-${view.tone}`]}`}
      data-testid="checkout-status"
      data-status={status}
      data-phase={phase}
      role="status"
      aria-live="polite"
      aria-busy={phase === "preparing"}
    >
      <div className={styles.statusHead}>
        <span className={styles.statusIcon}>{view.icon}</span>
        <p className={styles.statusTitle}>{view.title}</p>
        {view.text ? <p className={styles.statusText}>{view.text}</p> : null}
      </div>
      {view.action ? <div className={styles.statusAction}>{view.action}</div> : null}
    </section>
  );
}
