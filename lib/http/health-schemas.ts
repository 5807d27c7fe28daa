import { z } from "zod";

// GET /api/health answers, for load balancers and the API document (lib/health.ts).

/**
 * 200: anyone learns only that the app is up; the figures come with `Authorization: Bearer
 * <HEALTH_TOKEN>` or a merchant session.
 */
export const healthSchema = z.object({
  status: z.literal("ok"),
  database: z.literal("ok").optional(),
  /** Notifications to Bitrix not delivered yet. */
  outboxBacklog: z.number().int().nonnegative().optional(),
  /** Age of the oldest payment still CREATED or PENDING; null when none is open. */
  oldestOpenPaymentAgeSeconds: z.number().int().nonnegative().nullable().optional(),
  /** Fiscal receipts queued and not yet issued (docs/fiscal.md). */
  receiptsPending: z.number().int().nonnegative().optional(),
  /** Fiscal receipts refused for good or held by a stopped cash register: a person must act. */
  receiptsNeedingAttention: z.number().int().nonnegative().optional(),
  /** A cash register is stopped (blocked, wrong login …) until an admin retries a held receipt. */
  cashRegisterStopped: z.boolean().optional(),
});

/** 503: the database cannot be reached (no figures, whoever asks). */
export const healthDownSchema = z.object({
  status: z.literal("degraded"),
});
