"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { QRCodeSVG } from "qrcode.react";
import { useEffect, useState } from "react";
import type { ReturnQrView } from "@/lib/payments/return-qr-use-case";
import { merchantPost, useMerchantClient } from "./merchant-client";
import { MutationButton } from "./mutation-button";
import styles from "./merchant.module.css";

// Kaspi QR r2 refunds need the customer (docs/kaspi.md §2 "r2 return"): the merchant makes a return
// QR, shows it at the till or sends its link, and the page watches return/status (through our
// API, at Kaspi's QrCodeScanEventPollingInterval) until the customer scanned it; then the refund
// form appears.

const TEXT = {
  ru: {
    intro: "Kaspi QR r2: для возврата покупатель должен отсканировать QR возврата в приложении Kaspi.kz.",
    make: "Создать QR возврата",
    show: "Покажите покупателю этот QR или отправьте ему ссылку:",
    copy: "Копировать ссылку",
    copied: "Ссылка скопирована",
    waiting: "Ждём, пока покупатель отсканирует QR…",
    failed: "QR возврата больше не действует. Создайте новый.",
    ready: "Покупатель отсканировал QR: можно оформить возврат.",
  },
  en: {
    intro: "Kaspi QR r2: for a refund the customer must scan a return QR in the Kaspi.kz app.",
    make: "Make a return QR",
    show: "Show the customer this QR, or send them the link:",
    copy: "Copy link",
    copied: "Link copied",
    waiting: "Waiting for the customer to scan the QR…",
    failed: "The return QR is no longer valid. Make a new one.",
    ready: "The customer scanned the QR: you can refund now.",
  },
} as const;

export function ReturnQrPanel({ paymentId }: { paymentId: string }) {
  const { csrfToken, lang } = useMerchantClient();
  const t = TEXT[lang === "en" ? "en" : "ru"];
  const router = useRouter();
  const [current, setCurrent] = useState<ReturnQrView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  const make = useMutation({
    mutationFn: () => merchantPost<ReturnQrView>(`/api/merchant/payments/${paymentId}/return-qr`, csrfToken),
    onSuccess: (answer) => {
      if (answer.ok) setCurrent(answer.body);
      setError(answer.ok ? null : answer.error.message);
    },
  });

  const watching = current !== null && current.status === "QrTokenCreated";
  const status = useQuery({
    queryKey: ["return-qr", current?.id],
    enabled: watching,
    queryFn: async () => {
      const res = await fetch(`/api/merchant/return-qrs/${current?.id ?? ""}`, { credentials: "same-origin" });
      return (await res.json()) as ReturnQrView;
    },
    refetchInterval: (q) =>
      q.state.data && q.state.data.status !== "QrTokenCreated" ? false : (current?.pollIntervalMs ?? 5000),
  });
  const seen = status.data ?? current;

  useEffect(() => {
    if (seen?.ready) router.refresh();
  }, [seen?.ready, router]);

  return (
    <div className={styles.notice} data-testid="return-qr-panel">
      <p>{t.intro}</p>
      {seen ? (
        <div data-testid="return-qr" data-status={seen.status}>
          <p>{t.show}</p>
          <QRCodeSVG value={seen.qrToken} size={180} marginSize={2} title="Kaspi return QR" />
          <p>
            <a href={seen.qrToken} target="_blank" rel="noopener" data-testid="return-qr-link">
              {seen.qrToken}
            </a>{" "}
            <button
              type="button"
              className={styles.linkButton}
              onClick={() => void navigator.clipboard?.writeText(seen.qrToken).then(() => setCopied(true))}
            >
              {copied ? t.copied : t.copy}
            </button>
          </p>
          <p role="status" aria-live="polite">
            {seen.ready ? t.ready : seen.status === "QrTokenCreated" ? t.waiting : t.failed}
          </p>
        </div>
      ) : null}
      {!seen || (!seen.ready && seen.status !== "QrTokenCreated") ? (
        <MutationButton mutation={make} className={styles.secondaryButton} testId="return-qr-make">
          {t.make}
        </MutationButton>
      ) : null}
      {error ? <p className={styles.errorText}>{error}</p> : null}
    </div>
  );
}
