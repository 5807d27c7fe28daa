import { z } from "zod";

// GET /api/health answers, for load balancers and the API document.

export const healthSchema = z.object({
  status: z.literal("ok"),
  database: z.literal("ok"),
  /** Notifications to Bitrix not delivered yet. */
  outboxBacklog: z.number().int().nonnegative(),
  /** Age of the oldest payment still CREATED or PENDING; null when none is open. */
  oldestOpenPaymentAgeSeconds: z.number().int().nonnegative().nullable(),
});

/** 503: the database cannot be reached. */
export const healthDownSchema = z.object({
  status: z.literal("error"),
  database: z.literal("unreachable"),
  error: z.object({ code: z.string(), message: z.string() }),
});
