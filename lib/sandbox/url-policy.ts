import { env } from "../env";

// The sandbox posts callbacks to the callbackUrl and sends shoppers to the redirectUrl it was given.
// Left open, anyone could make this server POST to any address (SSRF) or bounce a shopper to any
// site. So: the callback goes only to this app's own /api/kaspi/callback, and the shopper only
// back to this app or a configured Bitrix origin. (Real Kaspi takes any https URL of the merchant;
// the stand-in is narrower on purpose.)

/** At most this many copies of one callback per request: no request amplification. */
export const MAX_CALLBACK_COPIES = 10;

export function sandboxUrlProblem(input: {
  callbackUrl?: string | undefined;
  redirectUrl?: string | undefined;
}): string | null {
  const e = env();
  const ownCallback = `${e.appUrl}/api/kaspi/callback`;
  if (input.callbackUrl !== undefined && input.callbackUrl !== ownCallback) {
    return `callbackUrl must be this app's own ${ownCallback}`;
  }
  if (input.redirectUrl !== undefined) {
    let origin: string;
    try {
      origin = new URL(input.redirectUrl).origin;
    } catch {
      return "redirectUrl is not a URL";
    }
    const allowed = [new URL(e.appUrl).origin, ...e.bitrixOrigins];
    if (!allowed.includes(origin)) return "redirectUrl must be on this app's origin or a BITRIX_ORIGINS origin";
  }
  return null;
}
