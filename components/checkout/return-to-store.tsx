"use client";

import type { MouseEvent } from "react";
import styles from "./checkout.module.css";

// We live in the store's iframe: going back must navigate the top window, not our frame. The link's
// own target="_top" is the fallback when the browser refuses the scripted navigation.
export function ReturnToStore({ href, label }: { href: string; label: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    try {
      if (!window.top) return;
      window.top.location.href = href;
      event.preventDefault();
    } catch {
      // let the browser follow the link with target="_top"
    }
  };
  return (
    <a
      className={`${styles.button} ${styles.buttonPrimary}`}
      href={href}
      target="_top"
      onClick={onClick}
      data-testid="return-to-store"
    >
      {label}
    </a>
  );
}
