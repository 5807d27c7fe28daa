"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { merchantDict } from "@/lib/merchant/i18n";
import { merchantPost, useMerchantClient } from "./merchant-client";
import styles from "./merchant.module.css";

export function AddUserForm() {
  const { csrfToken, lang } = useMerchantClient();
  const t = merchantDict(lang);
  const router = useRouter();
  const [result, setResult] = useState<{ email: string; password: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const answer = await merchantPost<{ email: string; password: string }>("/api/merchant/users", csrfToken, {
      email: String(form.get("email") ?? ""),
      role: String(form.get("role") ?? "viewer"),
    });
    if (answer.ok) {
      setResult(answer.body);
      setError(null);
      router.refresh();
    } else setError(`${t.detail.error} ${answer.error.message}`);
  }

  return (
    <form className={styles.filters} onSubmit={submit}>
      <label className={styles.field}>
        <span>{t.users.email}</span>
        <input name="email" type="email" required autoComplete="off" />
      </label>
      <label className={styles.field}>
        <span>{t.users.role}</span>
        <select name="role" defaultValue="viewer">
          <option value="viewer">{t.users.roles.viewer}</option>
          <option value="admin">{t.users.roles.admin}</option>
        </select>
      </label>
      <div className={styles.filterButtons}>
        <button type="submit" className={styles.primary}>
          {t.users.add}
        </button>
      </div>
      <div role="status" aria-live="polite" className={styles.fullRow}>
        {result ? (
          <p>
            {t.users.created(result.email)} <code className={styles.secret}>{result.password}</code>
          </p>
        ) : null}
        {error ? <p className={styles.errorText}>{error}</p> : null}
      </div>
    </form>
  );
}
