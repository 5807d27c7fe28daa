// GET /sandbox/kaspi/qr/inbox/{phone} — the simulated Kaspi app's invoices for a phone number:
// where a Kaspi QR r3 remote invoice (remote/create) arrives (docs/kaspi.md §2 "remote").
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { KaspiPhone } from "@/components/sandbox/kaspi-phone";
import styles from "@/components/sandbox/sandbox.module.css";
import { siteSettings } from "@/lib/container";
import { db } from "@/lib/db";
import { formatTenge } from "@/lib/money";
import { sandboxInbox } from "@/lib/sandbox/qr-remote-service";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Kaspi.kz invoices (sandbox)" };

export default async function SandboxInboxPage({ params }: { params: Promise<{ phone: string }> }) {
  const site = siteSettings();
  if (!site.sandboxEnabled) notFound();
  const { phone } = await params;
  if (!/^\+?\d{10,12}$/.test(decodeURIComponent(phone))) notFound();
  const invoices = await sandboxInbox(db(), decodeURIComponent(phone));
  return (
    <KaspiPhone subtitle="Invoices">
      {invoices.length === 0 ? <p className={styles.outcome}>No invoices waiting.</p> : null}
      <ul>
        {invoices.map((i) => (
          <li key={i.id} className={styles.appCard}>
            <Link href={`/sandbox/kaspi/pay/${i.id}`} data-testid="sandbox-invoice">
              {formatTenge(i.amount)} · {i.description ?? site.merchantName}
            </Link>
          </li>
        ))}
      </ul>
    </KaspiPhone>
  );
}
