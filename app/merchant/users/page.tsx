import type { Metadata } from "next";
import { AddUserForm } from "@/components/merchant/add-user-form";
import { MerchantShell } from "@/components/merchant/merchant-shell";
import { UserToggle } from "@/components/merchant/user-toggle";
import styles from "@/components/merchant/merchant.module.css";
import { db } from "@/lib/db";
import { formatAlmaty } from "@/lib/merchant/almaty-time";
import { merchantDict } from "@/lib/merchant/i18n";
import { requireMerchantPage } from "@/lib/merchant/page-auth";
import { merchantLang } from "@/lib/merchant/page-lang";
import { isMerchantRole } from "@/lib/merchant/roles";
import { listMerchantUsers } from "@/lib/merchant/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Kaspi Pay · пользователи" };

export default async function MerchantUsersPage() {
  const session = await requireMerchantPage("/merchant/users", "admin");
  const lang = await merchantLang();
  const t = merchantDict(lang);
  const users = await listMerchantUsers(db(), session.storeId);
  return (
    <MerchantShell session={session} lang={lang} section="users">
      <h1 className={styles.h1}>{t.users.title}</h1>
      <section className={styles.card}>
        <AddUserForm />
      </section>
      <table className={styles.table}>
        <caption className="visually-hidden">{t.users.title}</caption>
        <thead>
          <tr>
            {[t.users.email, t.users.role, t.users.lastLogin].map((heading) => (
              <th key={heading} scope="col">
                {heading}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">{t.users.disable}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td data-label={t.users.email}>
                {u.email} {u.disabledAt ? <span className={styles.sub}>{t.users.disabled}</span> : null}
              </td>
              <td data-label={t.users.role}>{isMerchantRole(u.role) ? t.users.roles[u.role] : u.role}</td>
              <td data-label={t.users.lastLogin}>
                {u.lastLoginAt ? formatAlmaty(u.lastLoginAt, lang) : t.users.never}
              </td>
              <td>{u.id === session.userId ? null : <UserToggle userId={u.id} disabled={!!u.disabledAt} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </MerchantShell>
  );
}
