"use client";

import { useState } from "react";
import { format } from "@/lib/i18n/format";
import type { Messages } from "@/lib/i18n/types";
import styles from "./checkout.module.css";

// check/pay: whether Kaspi's payment link fills in the account is not confirmed (docs/kaspi.md §6:
// no order prefill seen in public links), so the shopper sees the account number, large, with a
// copy button and the steps in the Kaspi app.
export function AccountBox({ account, merchantName, t }: { account: string; merchantName: string; t: Messages }) {
  const [copied, setCopied] = useState(false);
  return (
    <section className={styles.account} aria-label={t.accountTitle} data-testid="checkout-account-box">
      <p className={styles.accountTitle}>{t.accountTitle}</p>
      <p className={styles.accountNumber} data-testid="checkout-account">
        {account}
      </p>
      <button
        type="button"
        className={styles.button}
        data-testid="checkout-account-copy"
        onClick={() => void navigator.clipboard?.writeText(account).then(() => setCopied(true))}
      >
        {copied ? t.accountCopied : t.accountCopy}
      </button>
      <p className={styles.hint}>{format(t.accountSteps, { merchant: merchantName })}</p>
    </section>
  );
}
