import { assertUnreachable } from "../shared/assert-unreachable";
import type { KaspiStage, KaspiStatus } from "./gateway";
import type { QrStatus } from "./qr-schemas";

/** Kaspi QR statuses → ours, in one exhaustive switch. Only Processed and Error are final. */
export function mapQrStatus(status: QrStatus): { status: KaspiStatus; stage?: KaspiStage } {
  switch (status) {
    case "QrTokenCreated":
      return { status: "PENDING", stage: "awaiting_scan" };
    case "Wait":
    case "CustomerIdentityObtained":
      return { status: "PENDING", stage: "awaiting_confirmation" };
    case "Processed":
      return { status: "PAID" };
    case "Error":
      return { status: "FAILED" };
    default:
      return assertUnreachable(status);
  }
}
