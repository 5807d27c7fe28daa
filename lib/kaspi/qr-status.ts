import { assertUnreachable } from "../shared/assert-unreachable";
import type { KaspiStage, KaspiStatus } from "./gateway";
import { QR_STATUSES, type QrStatus } from "./qr-schemas";

export type MappedQrStatus = { status: KaspiStatus; stage?: KaspiStage; unknown?: true };

/**
 * Kaspi QR payment statuses → ours, in one exhaustive switch (docs/kaspi.md §4, v3.9 Appendix 4).
 * Only Processed and Error are final. A status the document does not list is kept pending and
 * flagged `unknown` so the caller logs it: Kaspi may add states, and guessing "paid" or "failed"
 * from a name we have never seen would be worse than waiting.
 */
export function mapQrStatus(raw: string): MappedQrStatus {
  if (!(QR_STATUSES as readonly string[]).includes(raw)) return { status: "PENDING", unknown: true };
  const status = raw as QrStatus;
  switch (status) {
    case "QrTokenCreated":
      return { status: "PENDING", stage: "awaiting_scan" };
    case "Wait":
      return { status: "PENDING", stage: "awaiting_confirmation" };
    case "Processed":
      return { status: "PAID" };
    case "Error":
      return { status: "FAILED" };
    default:
      return assertUnreachable(status);
  }
}
