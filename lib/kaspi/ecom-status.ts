import { assertUnreachable } from "../shared/assert-unreachable";
import type { KaspiStatus } from "./gateway";
import type { EcomStatus } from "./ecom-schemas";

/** Kaspi eCommerce statuses → ours, in one exhaustive switch. */
export function mapEcomStatus(status: EcomStatus): KaspiStatus {
  switch (status) {
    case "CREATED":
    case "PENDING":
    case "WAIT":
    case "PROCESSING":
      return "PENDING";
    case "COMPLETED":
      return "PAID";
    case "FAILED":
      return "FAILED";
    case "EXPIRED":
      return "EXPIRED";
    case "CANCELLED":
      return "CANCELLED";
    default:
      return assertUnreachable(status);
  }
}
