"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import styles from "./sandbox.module.css";

type Props = { paymentId: string; pending: boolean; redirectUrl: string | null };

const BUTTONS = [
  {
    decision: "confirm",
    style: "btnKaspi",
    testId: "sandbox-confirm",
    label: "Confirm payment",
    busyLabel: "Confirming…",
  },
  { decision: "decline", style: "btnGhost", testId: "sandbox-decline", label: "Decline", busyLabel: "Declining…" },
] as const;

// The shopper's choice in the simulated Kaspi app, sent to the sandbox control API.
export function KaspiAppDecision({ paymentId, pending, redirectUrl }: Props) {
  const router = useRouter();
  const [busy, setBusy] = useState<"confirm" | "decline" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refreshing, startRefresh] = useTransition();

  const decide = async (decision: "confirm" | "decline") => {
    setBusy(decision);
    setError(null);
    try {
      const res = await fetch(`/sandbox/kaspi/test/payments/${encodeURIComponent(paymentId)}/${decision}`, {
        method: "POST",
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        setError(body?.error?.message ?? `The sandbox answered HTTP ${res.status}`);
      }
    } catch {
      setError("The sandbox did not answer. Try again.");
    } finally {
      setBusy(null);
      startRefresh(() => router.refresh());
    }
  };

  const disabled = busy !== null || refreshing;
  return (
    <div className={styles.decision}>
      {error ? (
        <p className={styles.error} role="alert">
          {error}
        </p>
      ) : null}
      {pending ? (
        <div className={styles.decisionButtons}>
          {BUTTONS.map((b) => (
            <button
              key={b.decision}
              type="button"
              className={`${styles.btn} ${styles[b.style]}`}
              disabled={disabled}
              aria-busy={busy === b.decision}
              onClick={() => void decide(b.decision)}
              data-testid={b.testId}
            >
              {busy === b.decision ? b.busyLabel : b.label}
            </button>
          ))}
        </div>
      ) : redirectUrl ? (
        <a className={`${styles.btn} ${styles.btnKaspi}`} href={redirectUrl} data-testid="sandbox-back">
          Back to the store
        </a>
      ) : null}
    </div>
  );
}
