import type { ReactNode } from "react";
import { SandboxBanner } from "./sandbox-banner";
import styles from "./sandbox.module.css";

// The simulated Kaspi app's frame (a phone with the app bar), around every page of the sandbox's Kaspi app.
export function KaspiPhone({ subtitle, children }: { subtitle: string; children: ReactNode }) {
  return (
    <div className={styles.phoneShell} lang="en">
      <SandboxBanner>not real Kaspi — a simulator, no money moves</SandboxBanner>
      <main className={styles.phone}>
        <header className={styles.appBar}>
          <p className={styles.appName}>Kaspi.kz</p>
          <p className={styles.appSub}>{subtitle} · sandbox</p>
        </header>
        {children}
      </main>
    </div>
  );
}
