"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { PaymentView, StatusView } from "@/lib/payments/checkout-views";
import { isPaidLike, isTerminal, type PaymentStatus } from "@/lib/payments/status";
import { CheckoutApiError, checkoutKeys, fetchStatus, startPayment } from "./checkout-api";
import { useStatusStream } from "./use-status-stream";

export type CheckoutPhase =
  | "preparing"
  | "pending"
  | "paid"
  | "refunded"
  | "failed"
  | "expired"
  | "cancelled"
  | "unavailable"
  | "rejected"
  | "error";

export type CheckoutState = {
  /** Our status as the server last reported it (poll or payment view). */
  status: PaymentStatus;
  phase: CheckoutPhase;
  /** The current attempt's payment view, once the server gave one. */
  payment: PaymentView | undefined;
  retry: () => void;
  /** Kaspi QR: the shopper scanned and must confirm in the Kaspi app; loan offer if any. */
  stage: StatusView["stage"];
  loan: StatusView["loan"];
  /** The fiscal receipt's link once the payment is made and its receipt issued. */
  receiptUrl: StatusView["receiptUrl"];
  /** Kaspi QR: switch between "scan a QR" and "pay on this phone" (a new Kaspi payment). */
  switchDevice: (device: "desktop" | "mobile") => void;
  /** Kaspi QR: a fresh QR/link once the current one was not used in time (same presentation). */
  renew: () => void;
  /** Read the current attempt again (after an action outside this hook, e.g. a remote invoice). */
  reload: () => void;
};

const POLL_MS = 2000;
const AUTO_RETRY_MS = 5000;
/** Once paid, how often and for how long the page asks for the receipt's link (docs/fiscal.md §7). */
const RECEIPT_POLL_MS = 3000;
const RECEIPT_WAIT_MS = 90_000;

// Starts (or resumes) the payment once, then watches the status until it is terminal: pushed by the
// status stream, polled only while the stream is not open. The server is idempotent, so a
// strict-mode double effect or a reload costs nothing but a request.
export function useCheckout(token: string, options: { awaitReceipt?: boolean } = {}): CheckoutState {
  const queryClient = useQueryClient();
  const statusKey = checkoutKeys.status(token);
  const [payment, setPayment] = useState<PaymentView>();
  const [lastAttempt, setLastAttempt] = useState<number>();
  const [streaming, setStreaming] = useState(false);

  // When the page first saw the payment made: the receipt's link is asked for a bounded time after.
  const paidSeenAt = useRef<number | null>(null);
  const statusQuery = useQuery({
    queryKey: statusKey,
    queryFn: ({ signal }) => fetchStatus(token, signal),
    refetchInterval: (q) => {
      const view = q.state.data;
      if (!isTerminal(view?.status)) return streaming ? false : POLL_MS;
      if (!options.awaitReceipt || !view || view.receiptUrl || !isPaidLike(view.status)) return false;
      paidSeenAt.current ??= Date.now();
      return Date.now() - paidSeenAt.current < RECEIPT_WAIT_MS ? RECEIPT_POLL_MS : false;
    },
  });

  const mutation = useMutation({
    mutationKey: checkoutKeys.payment(token),
    mutationFn: (arg: number | undefined | { device: "desktop" | "mobile"; retryOf?: number }) =>
      typeof arg === "object" ? startPayment(token, arg.retryOf, arg.device) : startPayment(token, arg),
    onSuccess: (view) => {
      setPayment(view);
      if (view.attempt > 0) setLastAttempt(view.attempt);
      // The view is the freshest status we have: show it now (and restart polling if it had stopped).
      queryClient.setQueryData<StatusView>(statusKey, (old) => ({
        status: view.status,
        updatedAt: old?.updatedAt ?? new Date(0).toISOString(),
      }));
      void queryClient.invalidateQueries({ queryKey: statusKey });
    },
    onError: (error) => {
      if (error instanceof CheckoutApiError && error.attempt) setLastAttempt(error.attempt);
      void queryClient.invalidateQueries({ queryKey: statusKey });
    },
  });
  const { mutate, isPending } = mutation;

  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    mutate(undefined);
  }, [mutate]);

  const polled = statusQuery.data;
  const status: PaymentStatus = polled?.status ?? payment?.status ?? "CREATED";

  useStatusStream(token, {
    enabled: !isTerminal(status),
    onView: (view) => queryClient.setQueryData<StatusView>(statusKey, view),
    onLive: (live) => {
      setStreaming(live);
      // The stream dropped (not closed by us at a final status): poll once now, not an interval later.
      if (!live && streaming && !isTerminal(status)) void queryClient.invalidateQueries({ queryKey: statusKey });
    },
  });

  // A new attempt made elsewhere (another tab, a reload) shows up in the poll as PENDING while our
  // view is of the old attempt, and an order Bitrix re-sent with a new amount shows up as CREATED:
  // fetch the current view once per status change.
  const refreshedFor = useRef<string | null>(null);
  useEffect(() => {
    if (!polled || isPending) return;
    const stale = polled.status === "CREATED" || (polled.status === "PENDING" && payment?.status !== "PENDING");
    if (!stale) return;
    if (refreshedFor.current === polled.updatedAt) return;
    refreshedFor.current = polled.updatedAt;
    mutate(undefined);
  }, [polled, isPending, payment?.status, mutate]);

  // Kaspi not answering: try again by ourselves (the server's circuit breaker spares Kaspi), so the
  // shopper never has to guess when to press the button.
  const unavailable = mutation.error instanceof CheckoutApiError && mutation.error.code === "KASPI_UNAVAILABLE";
  useEffect(() => {
    if (!unavailable || isPending) return;
    const timer = setTimeout(() => mutate(undefined), AUTO_RETRY_MS);
    return () => clearTimeout(timer);
  }, [unavailable, isPending, mutate]);

  const retry = useCallback(() => {
    mutate(status === "FAILED" || status === "EXPIRED" || mutation.isError ? lastAttempt : undefined);
  }, [mutate, status, mutation.isError, lastAttempt]);

  const switchDevice = useCallback((device: "desktop" | "mobile") => mutate({ device }), [mutate]);
  const renew = useCallback(() => {
    if (!payment) return;
    mutate({ retryOf: payment.attempt, device: payment.presentation === "link" ? "mobile" : "desktop" });
  }, [mutate, payment]);
  const reload = useCallback(() => mutate(undefined), [mutate]);

  return {
    status,
    phase: phaseOf(status, isPending, mutation.error),
    payment,
    retry,
    stage: polled?.stage,
    loan: polled?.loan,
    receiptUrl: polled?.receiptUrl,
    switchDevice,
    renew,
    reload,
  };
}

function phaseOf(status: PaymentStatus, starting: boolean, error: Error | null): CheckoutPhase {
  if (status === "PAID") return "paid";
  if (isPaidLike(status)) return "refunded";
  if (status === "CANCELLED") return "cancelled";
  if (starting) return "preparing";
  if (error && status !== "PENDING") {
    const code = error instanceof CheckoutApiError ? error.code : "";
    if (code === "KASPI_UNAVAILABLE") return "unavailable";
    if (code === "KASPI_REJECTED") return "rejected";
    return "error";
  }
  if (status === "FAILED") return "failed";
  if (status === "EXPIRED") return "expired";
  if (status === "PENDING") return "pending";
  return "preparing";
}
