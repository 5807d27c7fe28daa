"use client";

import { useEffect, useState } from "react";
import { format } from "@/lib/i18n/format";
import type { Messages } from "@/lib/i18n/types";
import styles from "./checkout.module.css";

function clock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => n.toString().padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

// A timer, not a live region: screen readers should not hear every second.
export function ExpiryCountdown({ expiresAt, t }: { expiresAt: string; t: Messages }) {
  const deadline = Date.parse(expiresAt);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, []);
  if (!Number.isFinite(deadline)) return null;
  const left = deadline - now;
  return (
    <p className={styles.expiry} role="timer" data-testid="checkout-expiry">
      {left > 0 ? format(t.validFor, { time: clock(left) }) : t.expiringSoon}
    </p>
  );
}
