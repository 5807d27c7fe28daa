// What each API path accepts, in one table: methods (others get a JSON 405) and its rate-limit
// group. Checked in proxy.ts before any handler runs.

export type RateGroup = "intake" | "checkout" | "callback" | "sandbox" | "none";

type Policy = { pattern: RegExp; methods: readonly string[]; group: RateGroup };

const POLICIES: Policy[] = [
  { pattern: /^\/api\/orders$/, methods: ["POST"], group: "intake" },
  { pattern: /^\/api\/orders\/[^/]+$/, methods: ["GET"], group: "intake" },
  { pattern: /^\/api\/checkout\/[^/]+\/payment$/, methods: ["POST"], group: "checkout" },
  { pattern: /^\/api\/checkout\/[^/]+\/status$/, methods: ["GET"], group: "checkout" },
  { pattern: /^\/api\/checkout\/[^/]+\/events$/, methods: ["GET"], group: "checkout" },
  { pattern: /^\/api\/kaspi\/callback$/, methods: ["POST"], group: "callback" },
  { pattern: /^\/api\/health$/, methods: ["GET"], group: "none" },
  // Kaspi's check/pay calls: guarded by the address allow-list, never rate-limited (Kaspi is one caller).
  { pattern: /^\/api\/kaspi\/(checkpay|pay-gateway)$/, methods: ["GET"], group: "none" },
  { pattern: /^\/sandbox\/kaspi\/api\/v1\/payments\/(create|qr)$/, methods: ["POST"], group: "sandbox" },
  { pattern: /^\/sandbox\/kaspi\/api\/v1\/payments\/[^/]+$/, methods: ["GET"], group: "sandbox" },
  {
    pattern: /^\/sandbox\/kaspi\/test\/payments\/[^/]+\/(confirm|decline|callback)$/,
    methods: ["POST"],
    group: "sandbox",
  },
  { pattern: /^\/sandbox\/kaspi\/test\/faults$/, methods: ["POST", "DELETE"], group: "sandbox" },
  { pattern: /^\/sandbox\/store\/notify$/, methods: ["POST"], group: "sandbox" },
  { pattern: /^\/sandbox\/kaspi\/qr\/r[123]\/v01\/.+$/, methods: ["GET", "POST"], group: "sandbox" },
  { pattern: /^\/sandbox\/kaspi\/checkpay\/links$/, methods: ["POST"], group: "sandbox" },
];

export function policyFor(pathname: string): Policy | undefined {
  return POLICIES.find((p) => p.pattern.test(pathname));
}

/** HEAD and OPTIONS are answered for any GET route by Next itself. */
export function methodAllowed(policy: Policy, method: string): boolean {
  if (policy.methods.includes(method)) return true;
  return (method === "HEAD" || method === "OPTIONS") && policy.methods.includes("GET");
}
