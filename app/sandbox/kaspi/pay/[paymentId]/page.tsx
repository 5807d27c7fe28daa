// GET /sandbox/kaspi/pay/{paymentId} — the simulated Kaspi app, where a person or a test confirms or declines.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { KaspiAppDecision } from "@/components/sandbox/kaspi-app-decision";
import { KaspiPhone } from "@/components/sandbox/kaspi-phone";
import styles from "@/components/sandbox/sandbox.module.css";
import { siteSettings } from "@/lib/container";
import { formatTenge } from "@/lib/money";
import { safeHttpUrl } from "@/lib/shared/safe-http-url";
import { sandboxQrScanned } from "@/lib/sandbox/qr-service";
import { getSandboxPayment } from "@/lib/sandbox/sandbox-service";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Kaspi.kz (sandbox)" };

const STATUS_LABEL = {
  PENDING: "Awaiting confirmation",
  COMPLETED: "Paid",
  FAILED: "Declined",
  EXPIRED: "Expired",
} as const;

const OUTCOME = {
  COMPLETED: "Payment confirmed. The store will be told in a moment.",
  FAILED: "Payment declined. No money was taken.",
  EXPIRED: "This payment expired before it was confirmed.",
} as const;

export default async function SandboxKaspiAppPage({ params }: { params: Promise<{ paymentId: string }> }) {
  if (!siteSettings().sandboxEnabled) notFound();
  const { paymentId } = await params;
  // Opening a Kaspi QR payment in the (simulated) Kaspi app is the scan: Kaspi then says Wait.
  await sandboxQrScanned(paymentId);
  const payment = await getSandboxPayment(paymentId);
  if (!payment) notFound();
  const pending = payment.status === "PENDING";
  const expires = payment.expiresAt.toISOString().replace("T", " ").slice(0, 16);

  return (
    <KaspiPhone subtitle="Payment request">
      <section className={styles.appCard} aria-labelledby="sandbox-merchant">
        <div>
          <p className={styles.label}>Pay to</p>
          <h1 id="sandbox-merchant" className={styles.merchant}>
            {payment.merchantName}
          </h1>
        </div>
        <p className={styles.amount} data-testid="sandbox-amount">
          {formatTenge(payment.amount)}
        </p>
        {payment.description ? <p className={styles.description}>{payment.description}</p> : null}
        <dl className={styles.facts}>
          <dt>Status</dt>
          <dd>
            <span className={styles.badge} data-testid="sandbox-status" data-status={payment.status}>
              {STATUS_LABEL[payment.status]}
            </span>
          </dd>
          <dt>Payment ID</dt>
          <dd className={styles.mono}>{payment.id}</dd>
          {payment.account ? (
            <>
              <dt>Account</dt>
              <dd className={styles.mono}>{payment.account}</dd>
            </>
          ) : null}
          {payment.arrivedAs ? (
            <>
              <dt>Arrived as</dt>
              <dd data-testid="sandbox-arrived-as">{payment.arrivedAs}</dd>
            </>
          ) : null}
          {pending ? (
            <>
              <dt>Valid until</dt>
              <dd>{expires} UTC</dd>
            </>
          ) : null}
        </dl>
      </section>
      {payment.status === "PENDING" ? null : (
        <p className={styles.outcome} role="status">
          {OUTCOME[payment.status]}
        </p>
      )}
      <KaspiAppDecision paymentId={payment.id} pending={pending} redirectUrl={safeHttpUrl(payment.redirectUrl)} />
    </KaspiPhone>
  );
}
