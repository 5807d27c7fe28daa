import type { Db } from "../../db";
import { simulatorConcurrency } from "./webkassa-simulator";

// What the Webkassa simulator holds, for tests and the sandbox page: its receipts (newest last),
// its shifts and the most requests it answered at once for one register in this process.
export async function simulatorState(db: Db) {
  const [checks, shifts] = await Promise.all([
    db.sandboxWebkassaCheck.findMany({
      orderBy: { registeredAt: "asc" },
      take: 1000,
      select: {
        id: true,
        externalCheckNumber: true,
        operationType: true,
        shiftNumber: true,
        orderNumber: true,
        total: true,
        request: true,
      },
    }),
    db.sandboxWebkassaShift.findMany({
      orderBy: { number: "asc" },
      select: { number: true, openedAt: true, closedAt: true },
    }),
  ]);
  return {
    checks: checks.map(({ request, ...c }) => ({ ...c, request: JSON.parse(request) as unknown })),
    shifts,
    ...simulatorConcurrency(),
  };
}
