import { signatureHeaders } from "./bitrix-onprem/signature";
import { db, isPostgresUrl } from "./db";
import { env } from "./env";
import { ensureFirstMerchantUser } from "./merchant/users";

// What `npm start` and `npm run dev` print on the built-in Kaspi sandbox once the server listens
// (server.mjs --welcome): a first merchant admin on the embedded SQLite database (its password
// shown once; only the hash is stored), and a demo order to pay, made through the app's own signed
// intake as Bitrix would make it.

export async function welcome(origin: string): Promise<void> {
  const e = env();
  if (!e.sandboxEnabled) return;
  if (!isPostgresUrl(e.DATABASE_URL)) {
    const created = await ensureFirstMerchantUser(db());
    if (created) {
      say(
        "First merchant user (admin) created. Save the password now: it is shown only once.",
        `Sign in:  ${e.appUrl}/merchant/login`,
        `Email:    ${created.email}`,
        `Password: ${created.password}`,
        "More users: npm run merchant:add-user -- <email> [--role admin|viewer]",
      );
    }
  }
  const body = JSON.stringify({
    externalId: `DEMO-${Date.now()}`,
    accountNumber: String(Math.floor(100_000 + Math.random() * 900_000)),
    amount: 12_500,
    currency: "KZT",
    description: "Demo order",
    returnUrl: `${e.appUrl}/sandbox/store`,
  });
  try {
    const res = await fetch(`${origin}/api/orders`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...signatureHeaders(e.BITRIX_SHARED_SECRET, { method: "POST", target: "/api/orders", body }),
      },
      body,
    });
    const order = (await res.json()) as { checkoutUrl?: string };
    if (!order.checkoutUrl) throw new Error(`intake answered ${res.status}`);
    say(
      "Kaspi Pay checkout is running with the built-in Kaspi SANDBOX (no real money).",
      `Demo order to pay:   ${order.checkoutUrl}`,
      `Demo store (iframe): ${e.appUrl}/sandbox/store`,
    );
  } catch {
    console.log("[start] could not create the demo order; open /sandbox/store to make one");
  }
}

function say(...lines: string[]): void {
  console.log(["", ...lines.map((line) => `  ${line}`), ""].join("\n"));
}
