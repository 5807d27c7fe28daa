// Merchant roles (client-safe). viewer reads; admin also refunds, re-checks and manages users.

export const MERCHANT_ROLES = ["viewer", "admin"] as const;
export type MerchantRole = (typeof MERCHANT_ROLES)[number];

export function isMerchantRole(value: string): value is MerchantRole {
  return (MERCHANT_ROLES as readonly string[]).includes(value);
}

export function roleAllows(role: MerchantRole, needed: MerchantRole): boolean {
  return needed === "viewer" || role === "admin";
}
