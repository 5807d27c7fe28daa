// GET /sandbox/kaspi/qr/return/{QrReturnId} — the simulated Kaspi app after the customer scanned a
// Kaspi QR r2 return QR: scanning shares the customer's identity with the store, so return/status
// becomes CustomerIdentityObtained (docs/kaspi.md §2 "r2 return", §4).
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { KaspiPhone } from "@/components/sandbox/kaspi-phone";
import styles from "@/components/sandbox/sandbox.module.css";
import { siteSettings } from "@/lib/container";
import { db } from "@/lib/db";
import { sandboxScanReturnPage } from "@/lib/sandbox/qr-returns-service";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Kaspi.kz return (sandbox)" };

export default async function SandboxReturnScanPage({ params }: { params: Promise<{ returnId: string }> }) {
  if (!siteSettings().sandboxEnabled) notFound();
  const { returnId } = await params;
  if (!/^\d{1,20}$/.test(returnId)) notFound();
  const ret = await sandboxScanReturnPage(db(), returnId);
  if (!ret) notFound();
  const ready = ret.status === "CustomerIdentityObtained";
  return (
    <KaspiPhone subtitle="Return">
      <section className={styles.appCard}>
        <p className={styles.label}>Return QR {ret.id}</p>
        <p className={styles.badge} data-testid="sandbox-return-status" data-status={ret.status}>
          {ready ? "Scanned: the store can now return your money" : "This return QR is no longer valid"}
        </p>
      </section>
    </KaspiPhone>
  );
}
