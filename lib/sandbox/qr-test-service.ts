import type { Db } from "../db";
import { sandboxReadPayment } from "./sandbox-service";

// Kaspi's test endpoints, on the test host only (docs/kaspi.md §2, v3.9 §5): POST
// test/payment/{scan|confirm|scanerror|confirmerror} with {"qrPaymentId": "…"}, answering
// {"StatusCode", "message"}. They play the customer: scan → Wait; confirm → Processed;
// scanerror → Error before a scan; confirmerror → Error, and only after a scan.
// The codes for a refused step are not documented [?]: the sandbox answers -1 with the reason.

export type TestAction = "scan" | "confirm" | "scanerror" | "confirmerror";
export type TestReply = { StatusCode: number; message: string };

const no = (message: string): TestReply => ({ StatusCode: -1, message });
const done: TestReply = { StatusCode: 0, message: "OK" };

export async function sandboxTestPayment(
  db: Db,
  action: TestAction,
  body: Record<string, unknown>,
): Promise<TestReply> {
  const id = String(body.qrPaymentId ?? body.QrPaymentId ?? "");
  const p = await sandboxReadPayment(db, id);
  if (!p || p.protocol !== "qr") return { StatusCode: -99000001, message: "Purchase not found" };
  if (p.status !== "PENDING") return no(`the purchase is ${p.status}`);
  const where = { id, status: "PENDING" };
  switch (action) {
    case "scan": {
      if (p.scannedAt) return no("already scanned");
      await db.sandboxPayment.updateMany({ where: { ...where, scannedAt: null }, data: { scannedAt: new Date() } });
      return done;
    }
    case "confirm": {
      await db.sandboxPayment.updateMany({
        where,
        data: { status: "COMPLETED", scannedAt: p.scannedAt ?? new Date() },
      });
      return done;
    }
    case "scanerror": {
      if (p.scannedAt) return no("already scanned: use confirmerror");
      await db.sandboxPayment.updateMany({ where, data: { status: "FAILED" } });
      return done;
    }
    case "confirmerror": {
      if (!p.scannedAt) return no("confirmerror is possible only after a scan");
      await db.sandboxPayment.updateMany({ where, data: { status: "FAILED" } });
      return done;
    }
  }
}
