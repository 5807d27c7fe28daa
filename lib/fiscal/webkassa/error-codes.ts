// Webkassa's error codes (docs/fiscal.md §7: the ApiErrorCode enum in VitalyKravtsov2016/OposWebkassa
// src/OposWebkassa/units/WebkassaClient.pas, and shtefanov/webkassa-iikofront-adapter
// src/webkassa-error-catalog.js; the two agree) and what each means for a receipt here.

export const WK = {
  UNKNOWN: -1,
  WRONG_CREDENTIALS: 1,
  SESSION_EXPIRED: 2,
  NOT_AUTHORIZED: 3,
  NO_RIGHT: 4,
  NO_ACCESS_TO_REGISTER: 5,
  REGISTER_NOT_FOUND: 6,
  REGISTER_BLOCKED: 7,
  NOT_ENOUGH_CASH: 8,
  VALIDATION: 9,
  NOT_ACTIVATED: 10,
  SHIFT_OVER_24H: 11,
  SHIFT_ALREADY_CLOSED: 12,
  NO_OPEN_SHIFT: 13,
  DUPLICATE_EXTERNAL_NUMBER: 14,
  SHIFT_NOT_FOUND: 15,
  RECEIPT_NOT_IN_SHIFT: 16,
  DISCOUNT_NOT_ALLOWED: 17,
  OFFLINE_OVER_72H: 18,
  NO_RECEIPT_WITH_EXTERNAL_NUMBER: 19,
  HOST_UNAVAILABLE: 505,
} as const;

/** The session token is gone: authorise again, once, and repeat (DP re-authorises on 2; 3 likewise). */
export const SESSION_CODES: readonly number[] = [WK.SESSION_EXPIRED, WK.NOT_AUTHORIZED];

/**
 * About the cash register or the account, not the receipt: nothing will go through until a person
 * acts (unblock at the OFD, activate, reconnect, fix the rights or the register's number). The app
 * stops sending and raises an alert. 7 is the issue's "cash register blocked"; the others are
 * grouped with it because every receipt would meet the same refusal (docs/fiscal.md §7).
 */
export const HALT_CODES: readonly number[] = [
  WK.WRONG_CREDENTIALS,
  WK.NO_RIGHT,
  WK.NO_ACCESS_TO_REGISTER,
  WK.REGISTER_NOT_FOUND,
  WK.REGISTER_BLOCKED,
  WK.NOT_ACTIVATED,
  WK.OFFLINE_OVER_72H,
];

/** Worth another try later without a person: the service or its shift state, not the receipt. */
export const TRANSIENT_CODES: readonly number[] = [WK.HOST_UNAVAILABLE, WK.NO_OPEN_SHIFT];

const TEXTS: Record<number, string> = {
  [WK.UNKNOWN]: "unknown error",
  [WK.WRONG_CREDENTIALS]: "wrong login or password",
  [WK.SESSION_EXPIRED]: "session expired",
  [WK.NOT_AUTHORIZED]: "not authorised",
  [WK.NO_RIGHT]: "no right to this operation",
  [WK.NO_ACCESS_TO_REGISTER]: "no access to the cash register",
  [WK.REGISTER_NOT_FOUND]: "cash register not found",
  [WK.REGISTER_BLOCKED]: "cash register blocked",
  [WK.NOT_ENOUGH_CASH]: "not enough cash",
  [WK.VALIDATION]: "data validation error",
  [WK.NOT_ACTIVATED]: "cash register not activated",
  [WK.SHIFT_OVER_24H]: "shift open for more than 24 hours",
  [WK.SHIFT_ALREADY_CLOSED]: "shift already closed",
  [WK.NO_OPEN_SHIFT]: "no open shift",
  [WK.DUPLICATE_EXTERNAL_NUMBER]: "duplicate external receipt number",
  [WK.SHIFT_NOT_FOUND]: "shift not found",
  [WK.RECEIPT_NOT_IN_SHIFT]: "receipt not found in the shift",
  [WK.DISCOUNT_NOT_ALLOWED]: "discount or markup not allowed",
  [WK.OFFLINE_OVER_72H]: "offline for more than 72 hours",
  [WK.NO_RECEIPT_WITH_EXTERNAL_NUMBER]: "no receipt with this external number",
  [WK.HOST_UNAVAILABLE]: "host unavailable",
};

/** "[7] cash register blocked: <Webkassa's text>" — for the timeline and the logs (never secrets). */
export function describeCode(code: number, serviceText?: string): string {
  const ours = TEXTS[code] ?? "refused";
  const theirs = serviceText?.trim();
  return `[${code}] ${ours}${theirs ? `: ${theirs.slice(0, 300)}` : ""}`;
}
