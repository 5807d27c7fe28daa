"use client";

import { useEffect, useState } from "react";

/** True once `deadline` has passed (re-rendering at that moment), false without one. */
export function useLapsed(deadline: string | undefined): boolean {
  const at = deadline ? Date.parse(deadline) : NaN;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!Number.isFinite(at) || at <= Date.now()) return;
    const id = window.setTimeout(() => setNow(Date.now()), at - Date.now() + 50);
    return () => window.clearTimeout(id);
  }, [at]);
  return Number.isFinite(at) && now >= at;
}
