"use client";

import { PostLinkButton } from "./post-link-button";

export function SignOutButton({ label }: { label: string }) {
  return (
    <PostLinkButton
      path="/api/merchant/logout"
      stayBusy
      after={(router) => {
        router.replace("/merchant/login");
        router.refresh();
      }}
      testId="merchant-sign-out"
    >
      {label}
    </PostLinkButton>
  );
}
