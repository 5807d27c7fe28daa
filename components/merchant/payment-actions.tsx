"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { merchantDict } from "@/lib/merchant/i18n";
import { formatTenge } from "@/lib/money";
import { merchantPost, useMerchantClient, type ApiAnswer } from "./merchant-client";
import { MutationButton } from "./mutation-button";
import { ReturnQrPanel } from "./return-qr-panel";
import styles from "./merchant.module.css";

type Refundability =
  | { kind: "unsupported"; reason: string }
  | { kind: "nothing" }
  | { kind: "ready"; refundable: number; partial: boolean };

type RefundAnswer = { refund: { id: string; status: string; lastError: string | null } };

// Re-check and refund on the payment page (admins). Each action reports its outcome in a live
// region and refreshes the server-rendered page, so amounts, status and timeline follow.
export function PaymentActions(props: {
  paymentId: string;
  canRecheck: boolean;
  refund: Refundability;
  /** Kaspi QR r2: "needed" until the customer scanned a return QR (then the refund form shows). */
  returnQr?: "needed" | "ready";
}) {
  const { csrfToken, lang } = useMerchantClient();
  const t = merchantDict(lang).detail;
  const router = useRouter();
  const amountId = useId();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [amount, setAmount] = useState(props.refund.kind === "ready" ? String(props.refund.refundable) : "");
  // One key per intended refund: a double click or a resent request makes one refund.
  const [idempotencyKey, setKey] = useState(() => crypto.randomUUID());

  const recheck = useMutation({
    mutationFn: () =>
      merchantPost<{ kaspiStatus: string }>(`/api/merchant/payments/${props.paymentId}/recheck`, csrfToken),
    onSuccess: (answer) => {
      setMessage(answer.ok ? { kind: "ok", text: t.recheckDone(answer.body.kaspiStatus) } : errorOf(answer));
      router.refresh();
    },
  });

  const refund = useMutation({
    mutationFn: (value: number) =>
      merchantPost<RefundAnswer>(`/api/merchant/payments/${props.paymentId}/refund`, csrfToken, {
        amount: value,
        idempotencyKey,
      }),
    onSuccess: (answer) => {
      if (!answer.ok) setMessage(errorOf(answer));
      else if (answer.body.refund.status === "SUCCEEDED") setMessage({ kind: "ok", text: t.refundDone });
      else if (answer.body.refund.status === "FAILED")
        setMessage({ kind: "error", text: `${t.refundFailed} ${answer.body.refund.lastError ?? ""}` });
      else setMessage({ kind: "error", text: t.refundPendingNote });
      setKey(crypto.randomUUID());
      router.refresh();
    },
  });

  function errorOf(answer: ApiAnswer<unknown>): { kind: "error"; text: string } {
    return { kind: "error", text: answer.ok ? "" : `${t.error} ${answer.error.message}` };
  }

  function submitRefund(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = Number(amount);
    if (!Number.isInteger(value) || value <= 0) return;
    if (!window.confirm(t.refundConfirm(formatTenge(value)))) return;
    refund.mutate(value);
  }

  return (
    <div className={styles.actions}>
      {props.canRecheck ? (
        <MutationButton mutation={recheck} className={styles.secondaryButton} testId="recheck-button">
          {recheck.isPending ? t.rechecking : t.recheck}
        </MutationButton>
      ) : null}

      {props.refund.kind === "unsupported" ? (
        <div className={styles.notice} data-testid="refund-unavailable">
          <p>
            <strong>{t.refundUnsupported}</strong> {props.refund.reason}
          </p>
          <p>{t.refundUnsupportedHint}</p>
        </div>
      ) : null}
      {props.refund.kind === "nothing" ? <p className={styles.note}>{t.nothingToRefund}</p> : null}
      {props.refund.kind === "ready" && props.returnQr === "needed" ? (
        <ReturnQrPanel paymentId={props.paymentId} />
      ) : null}
      {props.refund.kind === "ready" && props.returnQr !== "needed" ? (
        <form className={styles.refundForm} onSubmit={submitRefund} data-testid="refund-form">
          <label htmlFor={amountId}>{t.refundAmount}</label>
          <div className={styles.refundRow}>
            <input
              id={amountId}
              type="number"
              inputMode="numeric"
              min={1}
              max={props.refund.refundable}
              step={1}
              required
              readOnly={!props.refund.partial}
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              data-testid="refund-amount"
            />
            {props.refund.partial ? (
              <button
                type="button"
                className={styles.linkButton}
                onClick={() => setAmount(String(props.refund.kind === "ready" ? props.refund.refundable : 0))}
              >
                {t.refundAll}
              </button>
            ) : null}
            <button type="submit" className={styles.danger} disabled={refund.isPending} data-testid="refund-submit">
              {t.refundSubmit}
            </button>
          </div>
          {!props.refund.partial ? <p className={styles.note}>{t.refundPartialOnlyFull}</p> : null}
        </form>
      ) : null}

      <p
        className={message?.kind === "error" ? styles.errorText : styles.okText}
        role="status"
        aria-live="polite"
        data-testid="action-message"
      >
        {message?.text ?? ""}
      </p>
    </div>
  );
}

/** An admin sends a refused or held fiscal receipt again (same external number: never a second receipt). */
export function RetryReceiptButton({ receiptId }: { receiptId: string }) {
  const { csrfToken, lang } = useMerchantClient();
  const t = merchantDict(lang).detail;
  const router = useRouter();
  const retry = useMutation({
    mutationFn: () => merchantPost(`/api/merchant/receipts/${receiptId}/retry`, csrfToken),
    onSettled: () => router.refresh(),
  });
  return (
    <MutationButton mutation={retry} className={styles.linkButton} testId="retry-receipt">
      {t.retryReceipt}
    </MutationButton>
  );
}

export function RetryRefundButton({ refundId }: { refundId: string }) {
  const { csrfToken, lang } = useMerchantClient();
  const t = merchantDict(lang).detail;
  const router = useRouter();
  const retry = useMutation({
    mutationFn: () => merchantPost(`/api/merchant/refunds/${refundId}/retry`, csrfToken),
    onSettled: () => router.refresh(),
  });
  return (
    <MutationButton mutation={retry} className={styles.linkButton}>
      {t.retry}
    </MutationButton>
  );
}
