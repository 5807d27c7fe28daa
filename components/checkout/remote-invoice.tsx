"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { format } from "@/lib/i18n/format";
import type { Messages } from "@/lib/i18n/types";
import { checkoutKeys } from "./checkout-api";
import { remoteAction, RemoteApiError } from "./remote-api";
import styles from "./checkout.module.css";

type Props = {
  token: string;
  t: Messages;
  merchantName: string;
  /** The order's phone from Bitrix, +7 format, to prefill. */
  phone: string | null;
  /** The current attempt is a remote invoice. */
  sent: boolean;
  /** Reload the payment view (after sending) or make a fresh QR/link (after cancelling). */
  onSent: () => void;
  onBackToQr: () => void;
};

// Kaspi QR r3: "Send the invoice to my Kaspi app" (docs/kaspi.md §2 remote/*). The invoice's status is
// read only on the shopper's action or a page load — never on a timer: Kaspi forbids interval
// polling of remote invoices — so the page says so and offers "I've paid — check".
export function RemoteInvoice({ token, t, merchantName, phone, sent, onSent, onBackToQr }: Props) {
  const queryClient = useQueryClient();
  const phoneId = useId();
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState(phone ?? "+7");
  const [clientName, setClientName] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const sentHere = useRef(false);
  const checkedOnLoad = useRef(false);

  const action = useMutation({
    mutationFn: (body: Parameters<typeof remoteAction>[1]) => remoteAction(token, body),
    onSuccess: (answer, body) => {
      setError(null);
      if (body.action === "client-info") setClientName((answer as { clientName?: string }).clientName ?? null);
      if (body.action === "send") {
        sentHere.current = true;
        onSent();
      }
      if (body.action === "cancel") onBackToQr();
      void queryClient.invalidateQueries({ queryKey: checkoutKeys.status(token) });
    },
    onError: (e) => setError(e instanceof RemoteApiError ? e.message : String(e)),
  });
  const { mutate } = action;

  // A page load with an invoice already sent is the one moment the page may ask by itself.
  useEffect(() => {
    if (!sent || sentHere.current || checkedOnLoad.current) return;
    checkedOnLoad.current = true;
    mutate({ action: "check" });
  }, [sent, mutate]);

  // Leaving the checkout cancels the invoice (remote/cancel), as Kaspi's document asks.
  useEffect(() => {
    if (!sent) return;
    const leave = () => {
      const blob = new Blob([JSON.stringify({ action: "cancel" })], { type: "application/json" });
      navigator.sendBeacon?.(`/api/checkout/${encodeURIComponent(token)}/remote`, blob);
    };
    window.addEventListener("pagehide", leave);
    return () => window.removeEventListener("pagehide", leave);
  }, [sent, token]);

  if (sent) {
    return (
      <section className={styles.remote} data-testid="remote-sent" aria-live="polite">
        <p className={styles.qrTitle}>{format(t.remoteSent, { merchant: merchantName })}</p>
        <p className={styles.hint} data-testid="remote-no-auto">
          {t.remoteNoAuto} {t.remoteLife}
        </p>
        <button
          type="button"
          className={`${styles.button} ${styles.buttonPrimary}`}
          onClick={() => mutate({ action: "check" })}
          disabled={action.isPending}
          data-testid="remote-check"
        >
          {t.remoteCheck}
        </button>
        <button
          type="button"
          className={styles.button}
          onClick={() => mutate({ action: "cancel" })}
          data-testid="remote-back"
        >
          {t.remoteBack}
        </button>
        <ErrorLine error={error} />
      </section>
    );
  }

  if (!open) {
    return (
      <button type="button" className={styles.button} onClick={() => setOpen(true)} data-testid="remote-open">
        {t.remoteTitle}
      </button>
    );
  }
  return (
    <form
      className={styles.remote}
      data-testid="remote-form"
      onSubmit={(e) => {
        e.preventDefault();
        mutate({ action: "send", phone: value });
      }}
    >
      <p className={styles.qrTitle}>{t.remoteTitle}</p>
      <label htmlFor={phoneId}>{t.remotePhone}</label>
      <input
        id={phoneId}
        type="tel"
        inputMode="tel"
        autoComplete="tel"
        value={value}
        onChange={(e) => {
          setValue(e.target.value);
          setClientName(null);
        }}
        data-testid="remote-phone"
      />
      <button
        type="button"
        className={styles.button}
        onClick={() => mutate({ action: "client-info", phone: value })}
        data-testid="remote-who"
      >
        {t.remoteWho}
      </button>
      {clientName ? (
        <p className={styles.hint} data-testid="remote-client">
          {format(t.remoteClient, { name: clientName })}
        </p>
      ) : null}
      <button
        type="submit"
        className={`${styles.button} ${styles.buttonPrimary}`}
        disabled={action.isPending}
        data-testid="remote-send"
      >
        {t.remoteSend}
      </button>
      <ErrorLine error={error} />
    </form>
  );
}

function ErrorLine({ error }: { error: string | null }) {
  return error ? (
    <p className={styles.hint} role="alert">
      {error}
    </p>
  ) : null;
}
