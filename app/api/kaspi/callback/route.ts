// POST /api/kaspi/callback — Kaspi says a payment changed (lib/http/kaspi-callback.ts). server.mjs's
// fast path answers this path before Next in every mode (lib/live/node-handler.ts) with the same code.
import { answerKaspiCallback } from "@/lib/http/kaspi-callback";

export async function POST(request: Request): Promise<Response> {
  return answerKaspiCallback(request);
}
