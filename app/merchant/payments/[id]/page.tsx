import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { MerchantShell } from "@/components/merchant/merchant-shell";
import { PaymentActions, RetryReceiptButton, RetryRefundButton } from "@/components/merchant/payment-actions";
import { PaymentTimeline } from "@/components/merchant/payment-timeline";
import { StatusBadge } from "@/components/merchant/status-badge";
import styles from "@/components/merchant/merchant.module.css";
import { storeKaspiDeps } from "@/lib/container";
import { db } from "@/lib/db";
import { formatAlmaty } from "@/lib/merchant/almaty-time";
import { merchantDict } from "@/lib/merchant/i18n";
import { requireMerchantPage } from "@/lib/merchant/page-auth";
import { merchantLang } from "@/lib/merchant/page-lang";
import { paymentDetail } from "@/lib/merchant/payment-detail";
import { formatTenge } from "@/lib/money";
import { storedItems } from "@/lib/payments/order-items";
import { readyReturnQr } from "@/lib/payments/return-qr-use-case";
import { safeHttpUrl } from "@/lib/shared/safe-http-url";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Kaspi Pay · платёж" };

export default async function MerchantPaymentPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  const session = await requireMerchantPage(`/merchant/payments/${encodeURIComponent(id)}`);
  const lang = await merchantLang();
  const t = merchantDict(lang);
  const detail = await paymentDetail(db(), session.storeId, id);
  if (!detail) notFound();
  const { payment, order } = detail;
  const refundable = payment.amount - payment.refundedAmount - payment.refundingAmount;
  const support = (await storeKaspiDeps(session.storeId)).gateway.refundSupport;
  const paidLike = payment.status === "PAID" || payment.status === "PARTIALLY_REFUNDED";
  const refundState = !support.supported
    ? ({ kind: "unsupported", reason: support.reason } as const)
    : !paidLike || refundable <= 0 || (!support.partial && payment.refundedAmount + payment.refundingAmount > 0)
      ? ({ kind: "nothing" } as const)
      : ({ kind: "ready", refundable, partial: support.partial } as const);
  // Kaspi QR r2: a refund needs a return QR the customer scanned (docs/kaspi.md §2).
  const returnQr =
    support.supported && support.flow === "return-qr" && refundState.kind === "ready"
      ? (await readyReturnQr(db(), session.storeId, payment.id))
        ? ("ready" as const)
        : ("needed" as const)
      : undefined;
  const isAdmin = session.role === "admin";
  // Bitrix sends the order's lines with the order; an old client sends none (flagged here).
  const lines = storedItems(order.items);
  const fmt = (d: Date | null) => (d ? formatAlmaty(d, lang, true) : "—");

  const facts: [string, React.ReactNode, string?][] = [
    [t.detail.order, order.externalId, "detail-external-id"],
    [t.detail.account, order.accountNumber ?? "—"],
    [t.detail.orderAmount, formatTenge(order.amount)],
    [t.detail.paymentAmount, formatTenge(payment.amount), "detail-amount"],
    [t.detail.refunded, formatTenge(payment.refundedAmount), "detail-refunded"],
    ...(payment.refundingAmount > 0
      ? ([[t.detail.pending, formatTenge(payment.refundingAmount), "detail-refunding"]] as [string, string, string][])
      : []),
    [t.detail.status, <StatusBadge key="s" status={payment.status} t={t} />, "detail-status"],
    [t.detail.orderStatus, <StatusBadge key="o" status={order.status} t={t} />],
    [t.detail.attempt, String(payment.attempt)],
    [t.detail.kaspiPaymentId, <code key="k">{payment.kaspiPaymentId ?? "—"}</code>, "detail-kaspi-id"],
    [t.detail.kaspiExternalId, <code key="x">{payment.kaspiExternalId}</code>],
    [t.detail.protocol, payment.protocol],
    [t.detail.phone, order.phone ?? "—"],
    [
      t.detail.lines,
      lines ? (
        t.detail.linesCount(lines.length)
      ) : (
        <span key="l" className={styles.flag}>
          {t.detail.linesMissing}
        </span>
      ),
      "detail-lines",
    ],
    [t.detail.created, fmt(payment.createdAt)],
    [t.detail.paidAt, fmt(payment.paidAt)],
  ];

  return (
    <MerchantShell session={session} lang={lang} section="payments">
      <p>
        <Link href="/merchant/payments">{t.detail.back}</Link>
      </p>
      <div className={styles.titleRow}>
        <h1 className={styles.h1} data-testid="detail-title">
          {t.detail.title(order.externalId)}
        </h1>
        <StatusBadge status={payment.status} t={t} />
      </div>
      <div className={styles.detailGrid}>
        <Card id="facts" title={`${t.detail.paymentAmount}: ${formatTenge(payment.amount)}`}>
          <dl className={styles.facts}>
            {facts.map(([label, value, testId]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd data-testid={testId}>{value}</dd>
              </div>
            ))}
          </dl>
        </Card>
        <Card id="actions" title={t.detail.actions}>
          {isAdmin ? (
            <PaymentActions
              paymentId={payment.id}
              canRecheck={!!payment.kaspiPaymentId}
              refund={refundState}
              {...(returnQr ? { returnQr } : {})}
            />
          ) : (
            <>
              <p className={styles.note}>{t.detail.viewerNote}</p>
              {refundState.kind === "unsupported" ? (
                <p className={styles.note} data-testid="refund-unavailable">
                  {t.detail.refundUnsupported} {refundState.reason}
                </p>
              ) : null}
            </>
          )}
          {detail.refunds.length ? (
            <>
              <h3 className={styles.h3}>{t.detail.refunds}</h3>
              <ul className={styles.plainList} data-testid="refunds">
                {detail.refunds.map((r) => (
                  <li key={r.id} data-status={r.status}>
                    {fmt(r.createdAt)} · {formatTenge(r.amount)} · <strong>{r.status}</strong>
                    {r.lastError ? <span className={styles.sub}>{r.lastError}</span> : null}
                    {r.status === "PENDING" && isAdmin ? <RetryRefundButton refundId={r.id} /> : null}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </Card>
      </div>

      {detail.attempts.length > 1 ? (
        <Card id="attempts" title={t.detail.attempts}>
          <ul className={styles.plainList}>
            {detail.attempts.map((a) => (
              <li key={a.id}>
                {a.id === payment.id ? (
                  <strong>
                    #{a.attempt} · {formatTenge(a.amount)} · {t.status[a.status as keyof typeof t.status] ?? a.status} (
                    {t.detail.thisPayment})
                  </strong>
                ) : (
                  <Link href={`/merchant/payments/${a.id}`}>
                    #{a.attempt} · {formatTenge(a.amount)} · {t.status[a.status as keyof typeof t.status] ?? a.status}
                  </Link>
                )}
              </li>
            ))}
          </ul>
        </Card>
      ) : null}

      <Card id="receipts" title={t.detail.receipts}>
        {detail.receipts.length === 0 ? (
          <p className={styles.note}>{t.detail.noReceipts}</p>
        ) : (
          <ul className={styles.plainList} data-testid="receipts">
            {detail.receipts.map((r) => {
              const link = safeHttpUrl(r.ticketUrl);
              return (
                <li key={r.id} data-kind={r.kind} data-status={r.status}>
                  <strong>{t.detail.receiptKind[r.kind] ?? r.kind}</strong> · {formatTenge(r.total)} ·{" "}
                  {t.detail.receiptStatus[r.status] ?? r.status}
                  {r.checkNumber ? (
                    <>
                      {" "}
                      · {t.detail.fiscalSign} <code data-testid="receipt-fiscal-sign">{r.checkNumber}</code> ·{" "}
                      {t.detail.shift} {r.shiftNumber ?? "—"} · {t.detail.receiptNumber} {r.orderNumber ?? "—"}
                      {r.fiscalDateTime ? ` · ${r.fiscalDateTime}` : ""}
                    </>
                  ) : null}
                  {link ? (
                    <>
                      {" "}
                      ·{" "}
                      <a href={link} target="_blank" rel="noopener noreferrer" data-testid="receipt-link">
                        {t.detail.openReceipt}
                      </a>
                    </>
                  ) : null}
                  {r.lastError && r.status !== "ISSUED" ? <span className={styles.sub}>{r.lastError}</span> : null}
                  {isAdmin && (r.status === "FAILED" || r.status === "HELD") && r.document !== "null" ? (
                    <RetryReceiptButton receiptId={r.id} />
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
      </Card>

      <Card id="notify" title={t.detail.notifications}>
        {detail.outbox.length === 0 ? (
          <p className={styles.note}>{t.detail.noNotifications}</p>
        ) : (
          <ul className={styles.plainList} data-testid="notifications">
            {detail.outbox.map((o) => (
              <li key={o.id} data-event={o.event}>
                <code>{o.event.split(":")[0]}</code> ·{" "}
                {o.deliveredAt ? `${t.detail.delivered} ${fmt(o.deliveredAt)}` : t.detail.waiting} ·{" "}
                {t.detail.attemptsCount(o.attempts)}
                {!o.deliveredAt && o.attempts > 0 ? ` · ${t.detail.nextAttempt} ${fmt(o.nextAttemptAt)}` : ""}
                {o.lastError ? <span className={styles.sub}>{o.lastError}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card id="timeline" title={t.detail.timeline}>
        <PaymentTimeline detail={detail} t={t} lang={lang} />
      </Card>
    </MerchantShell>
  );
}

/** One titled card of the detail page; the heading labels the section for screen readers. */
function Card({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <section className={styles.card} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} className={styles.h2}>
        {title}
      </h2>
      {children}
    </section>
  );
}
