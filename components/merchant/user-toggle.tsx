"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { merchantDict } from "@/lib/merchant/i18n";
import { merchantPost, useMerchantClient } from "./merchant-client";
import styles from "./merchant.module.css";

export function UserToggle({ userId, disabled }: { userId: string; disabled: boolean }) {
  const { csrfToken, lang } = useMerchantClient();
  const t = merchantDict(lang).users;
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className={styles.linkButton}
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        await merchantPost(`/api/merchant/users/${userId}`, csrfToken, { disabled: !disabled });
        setBusy(false);
        router.refresh();
      }}
    >
      {disabled ? t.enable : t.disable}
    </button>
  );
}
