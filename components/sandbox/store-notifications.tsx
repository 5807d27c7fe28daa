"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import styles from "./sandbox.module.css";
import { prettyJson } from "@/lib/shared/pretty-json";

export type DemoNotification = { event: string; receivedAt: string; payload: string };

const REFRESH_MS = 3000;

// What "Bitrix" received from the app, server to server. Re-reads itself until the paid one arrives.
export function StoreNotifications({ notifications }: { notifications: DemoNotification[] }) {
  const router = useRouter();
  const delivered = notifications.some((n) => n.event === "payment.paid");
  useEffect(() => {
    if (delivered) return;
    const id = window.setInterval(() => router.refresh(), REFRESH_MS);
    return () => window.clearInterval(id);
  }, [delivered, router]);

  return (
    <section className={styles.panel} aria-labelledby="store-notifications-heading">
      <div className={styles.panelHead}>
        <h2 id="store-notifications-heading" className={styles.panelTitle}>
          Notifications received by “Bitrix”
        </h2>
        <button
          type="button"
          className={styles.linkButton}
          onClick={() => router.refresh()}
          data-testid="store-refresh"
        >
          Refresh
        </button>
      </div>
      {notifications.length === 0 ? (
        <p className={styles.muted}>None yet. The app notifies the store once Kaspi confirms the payment.</p>
      ) : (
        <ul className={styles.notifications} data-testid="store-notifications">
          {notifications.map((n, i) => (
            <li
              key={`${n.receivedAt}-${i}`}
              className={styles.notification}
              data-testid="store-notification"
              data-event={n.event}
            >
              <div className={styles.notificationHead}>
                <code>{n.event}</code>
                <time dateTime={n.receivedAt} suppressHydrationWarning>
                  {new Date(n.receivedAt).toLocaleTimeString("en-GB")}
                </time>
              </div>
              <details>
                <summary>Payload</summary>
                <pre className={styles.payload}>{prettyJson(n.payload)}</pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
