// Merchant dates are shown and filtered in Asia/Almaty, whatever the server's own zone is.
// Offsets come from the platform's time-zone data (Kazakhstan moved to UTC+5 in 2024).

export const MERCHANT_TIME_ZONE = "Asia/Almaty";

const offsetFormat = new Intl.DateTimeFormat("en-US", { timeZone: MERCHANT_TIME_ZONE, timeZoneName: "longOffset" });
const dayFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: MERCHANT_TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** Minutes east of UTC in Almaty at that instant. */
function offsetMinutes(at: Date): number {
  const name = offsetFormat.formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === "-" ? -minutes : minutes;
}

/** "2026-11-27" (Almaty calendar day) → the UTC instant that day starts. */
export function almatyDayStart(day: string): Date {
  const [y, mo, d] = day.split("-").map(Number);
  const utcMidnight = Date.UTC(y ?? 1970, (mo ?? 1) - 1, d ?? 1);
  const guess = new Date(utcMidnight - offsetMinutes(new Date(utcMidnight)) * 60_000);
  return new Date(utcMidnight - offsetMinutes(guess) * 60_000);
}

/** The instant the day after `day` starts (exclusive end of a date filter). */
export function almatyDayEnd(day: string): Date {
  return almatyDayStart(addDays(day, 1));
}

/** The Almaty calendar day of an instant, "YYYY-MM-DD". */
export function almatyDay(at: Date): string {
  return dayFormat.format(at);
}

export function addDays(day: string, n: number): string {
  const [y, mo, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y ?? 1970, (mo ?? 1) - 1, (d ?? 1) + n)).toISOString().slice(0, 10);
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** "27.11.2026, 14:05" (ru) / "27 Nov 2026, 14:05" (en), in Almaty time. */
export function formatAlmaty(at: Date, locale: "ru" | "en", withSeconds = false): string {
  const key = `${locale}:${withSeconds}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale === "ru" ? "ru-RU" : "en-GB", {
      timeZone: MERCHANT_TIME_ZONE,
      year: "numeric",
      month: locale === "ru" ? "2-digit" : "short",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      ...(withSeconds ? { second: "2-digit" } : {}),
      hour12: false,
    });
    dateTimeFormats.set(key, f);
  }
  return f.format(at);
}
