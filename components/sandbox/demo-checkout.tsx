"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { PAYMENT_STATUSES } from "@/lib/payments/status";
import { StoreNotifications, type DemoNotification } from "./store-notifications";
import styles from "./sandbox.module.css";

// What our checkout tells the page that frames it (see components/checkout/use-iframe-bridge.ts).
const frameMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("kaspi-checkout:height"), height: z.number().finite().nonnegative() }),
  z.object({ type: z.literal("kaspi-checkout:status"), status: z.enum(PAYMENT_STATUSES), orderNumber: z.string() }),
]);


type Props = {
  checkoutUrl: string;
  /** Only messages from this origin (the app's) are believed. */
  frameOrigin: string;
  notifications: DemoNotification[];
};

const STATUS_TEXT: Record<string, string> = {
  PAID: "Paid — the checkout reported success",
  FAILED: "Payment failed — the shopper can try again",
  EXPIRED: "The QR code expired — the shopper can make a new one",
  CANCELLED: "Order cancelled",
  REFUNDED: "Refunded",
  PARTIALLY_REFUNDED: "Partially refunded",
};

// Plays the Bitrix checkout step: frames our checkout, sizes the frame from its height messages,
// shows the status it reports and lists the notifications "Bitrix" received server-to-server.
export function DemoCheckout({ checkoutUrl, frameOrigin, notifications }: Props) {
  const router = useRouter();
  const frameRef = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(560);
  const [reported, setReported] = useState<{ status: string; orderNumber: string } | null>(null);

  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== frameOrigin || event.source !== frameRef.current?.contentWindow) return;
      const parsed = frameMessageSchema.safeParse(event.data);
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === "kaspi-checkout:height") {
        setHeight(Math.min(Math.max(Math.ceil(message.height), 120), 4000));
      } else {
        setReported({ status: message.status, orderNumber: message.orderNumber });
        router.refresh(); // the paid notification is probably on its way: show it sooner
      }
    };
    window.addEventListener("message", onMessage);
    return () => window.removeEventListener("message", onMessage);
  }, [frameOrigin, router]);

  return (
    <div className={styles.checkoutGrid}>
      <section className={styles.panel} aria-labelledby="store-pay-heading">
        <h2 id="store-pay-heading" className={styles.panelTitle}>
          Payment method: Kaspi Pay
        </h2>
        <iframe
          ref={frameRef}
          className={styles.frame}
          src={checkoutUrl}
          title="Kaspi Pay checkout"
          style={{ height }}
          data-testid="store-checkout-frame"
        />
      </section>

      <aside className={styles.side}>
        <section className={styles.panel} aria-labelledby="store-status-heading">
          <h2 id="store-status-heading" className={styles.panelTitle}>
            What the checkout told the store
          </h2>
          <p
            className={`${styles.statusLine} ${reported?.status === "PAID" ? styles.statusPaid : ""}`}
            data-testid="store-status"
            data-status={reported?.status ?? ""}
            role="status"
            aria-live="polite"
          >
            {reported ? (STATUS_TEXT[reported.status] ?? reported.status) : "Waiting for the shopper to pay…"}
          </p>
        </section>

        <StoreNotifications notifications={notifications} />
      </aside>
    </div>
  );
}
