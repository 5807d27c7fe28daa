"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { merchantDict, type MerchantLang } from "@/lib/merchant/i18n";
import { merchantPost } from "./merchant-client";
import styles from "./merchant.module.css";

export function LoginForm({ lang, next }: { lang: MerchantLang; next: string }) {
  const t = merchantDict(lang).login;
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    const answer = await merchantPost<{ role: string }>("/api/merchant/login", "", {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
    });
    setBusy(false);
    if (answer.ok) {
      router.replace(next);
      router.refresh();
      return;
    }
    if (answer.error.code === "RATE_LIMITED") {
      const seconds = (answer.error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 900;
      setError(t.limited(Math.ceil(seconds / 60)));
    } else setError(answer.error.code === "INVALID_CREDENTIALS" ? t.wrong : t.failed);
  }

  return (
    <form className={styles.loginForm} onSubmit={submit} data-testid="merchant-login-form">
      <label className={styles.field}>
        <span>{t.email}</span>
        <input name="email" type="email" autoComplete="username" required data-testid="merchant-login-email" />
      </label>
      <label className={styles.field}>
        <span>{t.password}</span>
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          required
          data-testid="merchant-login-password"
        />
      </label>
      {error ? (
        <p className={styles.errorText} role="alert" data-testid="merchant-login-error">
          {error}
        </p>
      ) : null}
      <button type="submit" className={styles.primary} disabled={busy} data-testid="merchant-login-submit">
        {t.submit}
      </button>
    </form>
  );
}
