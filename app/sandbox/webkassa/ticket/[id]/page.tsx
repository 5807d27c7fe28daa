// GET /sandbox/webkassa/ticket/{fiscal sign} — a receipt registered by the Webkassa simulator, as the
// OFD's consumer page (TicketUrl) shows a real one: seller, register, fiscal sign, lines, VAT, total.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { SandboxBanner } from "@/components/sandbox/sandbox-banner";
import styles from "@/components/sandbox/sandbox.module.css";
import { siteSettings } from "@/lib/container";
import { db } from "@/lib/db";
import { sandboxTicket } from "@/lib/sandbox/webkassa/sandbox-ticket";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Receipt (Webkassa sandbox)" };

export default async function SandboxTicketPage({ params }: { params: Promise<{ id: string }> }) {
  if (!siteSettings().sandboxEnabled) notFound();
  const { id } = await params;
  if (!/^\d{6,20}$/.test(id)) notFound();
  const ticket = await sandboxTicket(db(), id);
  if (!ticket) notFound();
  return (
    <main style={{ maxWidth: 420, margin: "24px auto", padding: "0 16px" }}>
      <SandboxBanner>
        This receipt was made by the app&apos;s Webkassa simulator: it is not fiscal and no tax authority has it.
      </SandboxBanner>
      <h1 data-testid="ticket-title">{ticket.operation}</h1>
      <dl className={styles.facts}>
        {ticket.facts.map(([label, value]) => (
          <div key={label} style={{ display: "contents" }}>
            <dt>{label}</dt>
            <dd data-testid={`ticket-${label}`}>{value}</dd>
          </div>
        ))}
      </dl>
      <ul data-testid="ticket-lines">
        {ticket.lines.map((l, i) => (
          <li key={i}>
            {l.name} — {l.count} × {l.price} = {l.sum} ({l.vat})
          </li>
        ))}
      </ul>
      <p>
        <strong data-testid="ticket-total">ИТОГО: {ticket.total}</strong>
      </p>
    </main>
  );
}
