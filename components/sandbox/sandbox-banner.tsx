import styles from "./sandbox.module.css";

// Every sandbox page says loudly that nothing here is real Kaspi and no money moves.
export function SandboxBanner({ children }: { children: string }) {
  return (
    <div className={styles.banner} role="note" data-testid="sandbox-banner">
      <span className={styles.bannerTag}>SANDBOX</span>
      <span>{children}</span>
    </div>
  );
}
