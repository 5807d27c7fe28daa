"use client";

import type { Messages } from "@/lib/i18n/types";
import type { PaymentView, StatusView } from "@/lib/payments/checkout-views";
import styles from "./checkout.module.css";

type Props = {
  t: Messages;
  stage: StatusView["stage"];
  loan: StatusView["loan"];
  presentation: PaymentView["presentation"];
  onSwitch: (device: "desktop" | "mobile") => void;
};

// Kaspi QR extras: "confirm in the Kaspi app" once the code was scanned, the loan offer the
// shopper chose, and the switch between a QR (another device) and a link (this phone).
export function KaspiExtras({ t, stage, loan, presentation, onSwitch }: Props) {
  const loanText = loan
    ? `${t.loanOffer.replace("{offer}", loan.offerName)}${loan.term ? ` · ${t.loanTerm.replace("{months}", String(loan.term))}` : ""}`
    : null;
  return (
    <>
      {stage === "awaiting_confirmation" ? (
        <p className={styles.hint} role="status" data-testid="checkout-confirm-in-kaspi">
          {t.confirmInKaspi}
        </p>
      ) : null}
      {loanText ? (
        <p className={styles.hint} data-testid="checkout-loan">
          {loanText}
        </p>
      ) : null}
      {presentation ? (
        <button
          type="button"
          className={styles.button}
          onClick={() => onSwitch(presentation === "qr" ? "mobile" : "desktop")}
          data-testid="switch-device"
          data-to={presentation === "qr" ? "link" : "qr"}
        >
          {presentation === "qr" ? t.switchToLink : t.switchToQr}
        </button>
      ) : null}
    </>
  );
}
