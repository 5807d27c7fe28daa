"use client";

import { merchantDict } from "@/lib/merchant/i18n";
import { useMerchantClient } from "./merchant-client";
import { PostLinkButton } from "./post-link-button";

export function UserToggle({ userId, disabled }: { userId: string; disabled: boolean }) {
  const t = merchantDict(useMerchantClient().lang).users;
  return (
    <PostLinkButton
      path={`/api/merchant/users/${userId}`}
      body={{ disabled: !disabled }}
      after={(router) => router.refresh()}
    >
      {disabled ? t.enable : t.disable}
    </PostLinkButton>
  );
}
