// Kaspi QR dates, every form the document shows (docs/kaspi.md §3, Public QR API v3.9 §2.1):
//   declared `YYYY-MM-DDThh:mm:ss±h`   2020-08-09T18:31:42+06
//   with minutes in the offset         2020-08-09T18:31:42+06:00
//   one-digit day, milliseconds        2021-11-3T11:55:14.166+06:00
//   7 fraction digits, no offset       2021-12-08T11:35:48.1566667  (Kazakhstan time)
// Date.parse() rejects most of these (a `+06` offset gives Invalid Date), so they are read by hand.

const FORM =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{1,2}(?::?\d{2})?)?$/i;

/** Kazakhstan moved to one zone, UTC+5, on 2024-03-01; Almaty (where Kaspi is) was UTC+6 before. */
const KZ_UTC5_SINCE = Date.UTC(2024, 2, 1) - 6 * 3600_000;

function offsetMinutes(text: string): number {
  if (text.toUpperCase() === "Z") return 0;
  const sign = text.startsWith("-") ? -1 : 1;
  const [h = "0", m = "0"] = text.slice(1).includes(":")
    ? text.slice(1).split(":")
    : [text.slice(1, text.length > 3 ? -2 : undefined), text.length > 3 ? text.slice(-2) : "0"];
  return sign * (Number(h) * 60 + Number(m));
}

export function parseKaspiDate(value: string | null | undefined): Date | undefined {
  const m = FORM.exec((value ?? "").trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = "0", frac = "", zone] = m;
  const ms = Number(frac.padEnd(3, "0").slice(0, 3));
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  // Reject what Date.UTC silently rolls over (2021-02-30, 25:00).
  const check = new Date(wall);
  if (check.getUTCDate() !== Number(d) || check.getUTCHours() !== Number(h)) return undefined;
  const offset = zone ? offsetMinutes(zone) : wall - 6 * 3600_000 >= KZ_UTC5_SINCE ? 300 : 360;
  return new Date(wall - offset * 60_000);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * A date as Kaspi writes it, in Kazakhstan time (UTC+5): `short` gives the declared `+05` form,
 * otherwise `+05:00` with 7 fraction digits (the sandbox answers in both).
 */
export function formatKaspiDate(date: Date, form: "short" | "long" = "long"): string {
  const t = new Date(date.getTime() + 5 * 3600_000);
  const day = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
  const time = `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
  return form === "short" ? `${day}T${time}+05` : `${day}T${time}.${pad(t.getUTCMilliseconds(), 3)}0000+05:00`;
}
