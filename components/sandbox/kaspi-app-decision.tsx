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

/** check/pay: one request "Kaspi" sent the store on Confirm, and its answer. */
type CheckpayCall = {
  command: string;
  result: number | null;
  prvTxn: string | null;
  sum: string | null;
  fields: { name: string; value: string }[];
};

function callsOf(body: unknown): CheckpayCall[] {
  const calls = (body as { checkpay?: unknown } | null)?.checkpay;
  return Array.isArray(calls) ? (calls as CheckpayCall[]) : [];
}

// The shopper's choice in the simulated Kaspi app, sent to the sandbox control API. Under check/pay
// the page then lists what the sandbox sent the store (check, pay) and what the store answered.
export function KaspiAppDecision({ paymentId, pending, redirectUrl }: Props) {
  const router = useRouter();
  const [busy, setBusy] = useState<"confirm" | "decline" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [calls, setCalls] = useState<CheckpayCall[]>([]);
  const [refreshing, startRefresh] = useTransition();

  const decide = async (decision: "confirm" | "decline") => {
    setBusy(decision);
    setError(null);
    try {
      const res = await fetch(`/sandbox/kaspi/test/payments/${encodeURIComponent(paymentId)}/${decision}`, {
        method: "POST",
      });
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      setCalls(callsOf(body));
      if (!res.ok) setError(body?.error?.message ?? `The sandbox answered HTTP ${res.status}`);
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
      {calls.length ? (
        <dl className={styles.facts} data-testid="sandbox-checkpay-calls">
          {calls.map((c, i) => (
            <div key={i} data-command={c.command} data-result={c.result ?? ""}>
              <dt>
                {c.command} → result {c.result ?? "none"}
              </dt>
              <dd>
                {c.sum ? `sum ${c.sum}` : null}
                {c.prvTxn ? ` · prv_txn ${c.prvTxn}` : null}
                {c.fields.map((f) => ` · ${f.name}: ${f.value}`).join("")}
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
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
