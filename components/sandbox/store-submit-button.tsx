"use client";

import { useFormStatus } from "react-dom";
import styles from "./sandbox.module.css";

export function StoreSubmitButton() {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={`${styles.btn} ${styles.btnKaspi}`} disabled={pending} aria-busy={pending} data-testid="store-submit">
      {pending ? "Placing the order…" : "Place order and pay with Kaspi"}
    </button>
  );
}
