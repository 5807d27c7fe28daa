import { MERCHANT_TIME_ZONE } from "../merchant/almaty-time";

// The optional daily Z report (FISCAL_SHIFT_CLOSE_AT, local time): due once per Almaty calendar
// day, at or after the time; the day it was made is kept on the register's row, so one instance
// makes it once whichever instance holds the lease then.

const parts = new Intl.DateTimeFormat("en-CA", {
  timeZone: MERCHANT_TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

function local(at: Date): { day: string; minutes: number } {
  const p = Object.fromEntries(parts.formatToParts(at).map((x) => [x.type, x.value]));
  return { day: `${p.year}-${p.month}-${p.day}`, minutes: Number(p.hour) * 60 + Number(p.minute) };
}

/** "2026-12-06": the Almaty calendar day of that instant. */
export function almatyDay(at: Date): string {
  return local(at).day;
}

/** Whether the daily Z report is due: past closeAt ("HH:MM") today, and not yet made today. */
export function zReportDue(closeAt: string, lastDay: string | null, now: Date): boolean {
  const [h, m] = closeAt.split(":").map(Number);
  const today = local(now);
  return today.minutes >= (h ?? 0) * 60 + (m ?? 0) && lastDay !== today.day;
}
