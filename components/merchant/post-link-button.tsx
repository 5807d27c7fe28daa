"use client";

import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { merchantPost, useMerchantClient } from "./merchant-client";
import styles from "./merchant.module.css";

type Router = ReturnType<typeof useRouter>;

type Props = {
  path: string;
  body?: unknown;
  /** For an action that leaves the page: the button stays disabled until the next page shows. */
  stayBusy?: boolean;
  after: (router: Router) => void;
  testId?: string;
  children: ReactNode;
};

/** A link-style button that POSTs to the merchant API with the CSRF token, then navigates or refreshes. */
export function PostLinkButton({ path, body, stayBusy = false, after, testId, children }: Props) {
  const { csrfToken } = useMerchantClient();
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className={styles.linkButton}
      disabled={busy}
      data-testid={testId}
      onClick={async () => {
        setBusy(true);
        await merchantPost(path, csrfToken, body);
        if (!stayBusy) setBusy(false);
        after(router);
      }}
    >
      {children}
    </button>
  );
}
