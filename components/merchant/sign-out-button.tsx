"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { merchantPost, useMerchantClient } from "./merchant-client";
import styles from "./merchant.module.css";

export function SignOutButton({ label }: { label: string }) {
  const { csrfToken } = useMerchantClient();
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className={styles.linkButton}
      disabled={busy}
      data-testid="merchant-sign-out"
      onClick={async () => {
        setBusy(true);
        await merchantPost("/api/merchant/logout", csrfToken);
        router.replace("/merchant/login");
        router.refresh();
      }}
    >
      {label}
    </button>
  );
}
