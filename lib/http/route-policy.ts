// What each API path accepts, in one table: methods (others get a JSON 405) and its rate-limit
// group. Checked in proxy.ts (lib/http/request-gate.ts) before any handler runs.

export type RateGroup = "intake" | "checkout" | "status" | "callback" | "login" | "bitrix24" | "sandbox" | "none";

/**
 * What a limit counts per: the client's address, or (status polls) the checkout token in the
 * path's first capture — many shoppers share one carrier address (CGNAT), a token is one shopper.
 */
export type RateKey = "address" | "token";

type Policy = { pattern: RegExp; methods: readonly string[]; group: RateGroup; key?: RateKey };

const POLICIES: Policy[] = [
  { pattern: /^\/api\/orders$/, methods: ["POST"], group: "intake" },
  { pattern: /^\/api\/orders\/[^/]+$/, methods: ["GET"], group: "intake" },
  { pattern: /^\/api\/orders\/[^/]+\/refunds$/, methods: ["POST"], group: "intake" },
  { pattern: /^\/api\/checkout\/[^/]+\/payment$/, methods: ["POST"], group: "checkout" },
  { pattern: /^\/api\/checkout\/([^/]+)\/status$/, methods: ["GET"], group: "status", key: "token" },
  { pattern: /^\/api\/checkout\/([^/]+)\/events$/, methods: ["GET"], group: "status", key: "token" },
  // Each "send" makes a Kaspi invoice: limited like starting a payment.
  { pattern: /^\/api\/checkout\/[^/]+\/remote$/, methods: ["POST"], group: "checkout" },
  { pattern: /^\/api\/kaspi\/callback$/, methods: ["POST"], group: "callback" },
  { pattern: /^\/api\/health$/, methods: ["GET"], group: "none" },
  { pattern: /^\/api\/openapi\.json$/, methods: ["GET"], group: "none" },
  // Every attempt costs a memory-hard hash: a per-address cap protects the CPU (the throttling
  // that stops guessing is per account and address, in the database: lib/merchant/rate-limit.ts).
  { pattern: /^\/api\/merchant\/login$/, methods: ["POST"], group: "login" },
  { pattern: /^\/api\/bitrix24\/checkout$/, methods: ["POST"], group: "bitrix24" },
  // The Bitrix24 OAuth app: the portal's install call and its events (form-encoded POSTs).
  { pattern: /^\/bitrix24\/install$/, methods: ["POST"], group: "bitrix24" },
  { pattern: /^\/bitrix24\/events$/, methods: ["POST"], group: "bitrix24" },
  // The app's page in the portal's frame (opened with a POST) and its settings form.
  { pattern: /^\/bitrix24\/app$/, methods: ["POST"], group: "bitrix24" },
  { pattern: /^\/bitrix24\/app\/settings$/, methods: ["POST"], group: "bitrix24" },
  // Kaspi's check/pay calls: guarded by the address allow-list, never rate-limited (Kaspi is one caller).
  { pattern: /^\/api\/kaspi\/checkpay$/, methods: ["GET"], group: "none" },
  // The simulated Kaspi API is called by this app itself (over loopback): limiting it would
  // throttle the app. Its callbackUrl/redirectUrl are checked instead (lib/sandbox/create-route.ts).
  { pattern: /^\/sandbox\/kaspi\/api\/v1\/payments\/(create|qr)$/, methods: ["POST"], group: "none" },
  { pattern: /^\/sandbox\/kaspi\/api\/v1\/payments\/[^/]+$/, methods: ["GET"], group: "none" },
  { pattern: /^\/sandbox\/kaspi\/qr\/r[123]\/v01\/.+$/, methods: ["GET", "POST"], group: "none" },
  { pattern: /^\/sandbox\/store\/notify$/, methods: ["POST"], group: "none" },
  { pattern: /^\/sandbox\/kaspi\/checkpay\/links$/, methods: ["POST"], group: "none" },
  // The simulated Kaspi button: JSON from this app (loopback), or a form from a shopper's browser.
  { pattern: /^\/sandbox\/kaspi\/online$/, methods: ["POST"], group: "none" },
  // The control routes act as the shopper or inject faults: anyone can call them, so they are limited.
  {
    pattern: /^\/sandbox\/kaspi\/test\/payments\/[^/]+\/(confirm|decline|callback)$/,
    methods: ["POST"],
    group: "sandbox",
  },
  { pattern: /^\/sandbox\/kaspi\/test\/faults$/, methods: ["POST", "DELETE"], group: "sandbox" },
  // The Webkassa simulator: its API is called by this app's worker (not limited), its controls by anyone.
  { pattern: /^\/sandbox\/webkassa\/api\/v4\/.+$/, methods: ["POST"], group: "none" },
  { pattern: /^\/sandbox\/webkassa\/test\/(faults|state)$/, methods: ["GET", "POST", "DELETE"], group: "sandbox" },
];

export function policyFor(pathname: string): Policy | undefined {
  return POLICIES.find((p) => p.pattern.test(pathname));
}

/** HEAD and OPTIONS are answered for any GET route by Next itself. */
export function methodAllowed(policy: Policy, method: string): boolean {
  if (policy.methods.includes(method)) return true;
  return (method === "HEAD" || method === "OPTIONS") && policy.methods.includes("GET");
}
