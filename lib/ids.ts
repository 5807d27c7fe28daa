import { randomBytes, randomUUID } from "node:crypto";

export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll("-", "")}`;
}

/** The checkout token: 192 random bits, the only key the shopper's browser ever holds. */
export function newCheckoutToken(): string {
  return randomBytes(24).toString("base64url");
}
