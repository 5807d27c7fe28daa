import { describe, expect, it } from "vitest";
import { formatKaspiDate, parseKaspiDate } from "./qr-dates";

// docs/kaspi.md §3 (dates): every form the Public QR API v3.9 document shows, plus the 2025 `+05:00`.

describe("parseKaspiDate — docs/kaspi.md §3", () => {
  it.each([
    { form: "declared ±h", value: "2020-08-09T18:31:42+06", iso: "2020-08-09T12:31:42.000Z" },
    { form: "±hh:mm", value: "2020-08-09T18:31:42+06:00", iso: "2020-08-09T12:31:42.000Z" },
    { form: "one-digit day, ms", value: "2021-11-3T11:55:14.166+06:00", iso: "2021-11-03T05:55:14.166Z" },
    {
      form: "7 fraction digits, no offset (UTC+6 then)",
      value: "2021-12-08T11:35:48.1566667",
      iso: "2021-12-08T05:35:48.156Z",
    },
    { form: "no offset after 2024-03-01 (UTC+5)", value: "2025-06-01T10:00:00", iso: "2025-06-01T05:00:00.000Z" },
    { form: "2025 reply +05:00", value: "2025-03-14T10:15:30.1234567+05:00", iso: "2025-03-14T05:15:30.123Z" },
    { form: "±hhmm", value: "2025-03-14T10:15:30+0500", iso: "2025-03-14T05:15:30.000Z" },
    { form: "Z", value: "2025-03-14T05:15:30Z", iso: "2025-03-14T05:15:30.000Z" },
  ])("$form: $value", ({ value, iso }) => {
    expect(parseKaspiDate(value)?.toISOString()).toBe(iso);
  });

  it.each(["", "tomorrow", "2021-02-30T10:00:00+06", "2021-11-03T25:00:00+06", "2021-11-03"])("refuses %j", (value) => {
    expect(parseKaspiDate(value)).toBeUndefined();
  });

  it("round-trips the sandbox's two forms", () => {
    const d = new Date("2026-12-01T10:20:30.456Z");
    expect(formatKaspiDate(d)).toBe("2026-12-01T15:20:30.4560000+05:00");
    expect(formatKaspiDate(d, "short")).toBe("2026-12-01T15:20:30+05");
    expect(parseKaspiDate(formatKaspiDate(d))?.getTime()).toBe(d.getTime());
    expect(parseKaspiDate(formatKaspiDate(d, "short"))?.getTime()).toBe(d.getTime() - 456);
  });
});
