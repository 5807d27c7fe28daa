import { describe, expect, it } from "vitest";
import { ECOM_STATUSES, type EcomStatus } from "./ecom-schemas";
import { mapEcomStatus } from "./ecom-status";
import type { KaspiStatus } from "./gateway";

// Written out in full on purpose: adding a Kaspi status must fail this test until it is mapped.
const EXPECTED: Record<EcomStatus, KaspiStatus> = {
  CREATED: "PENDING",
  PENDING: "PENDING",
  WAIT: "PENDING",
  PROCESSING: "PENDING",
  COMPLETED: "PAID",
  FAILED: "FAILED",
  EXPIRED: "EXPIRED",
  CANCELLED: "CANCELLED",
};

describe("mapEcomStatus", () => {
  it("covers exactly the documented statuses", () => {
    expect([...ECOM_STATUSES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(ECOM_STATUSES.map((s) => [s, EXPECTED[s]] as const))("maps %s to %s", (kaspi, ours) => {
    expect(mapEcomStatus(kaspi)).toBe(ours);
  });

  it("only COMPLETED means paid", () => {
    expect(ECOM_STATUSES.filter((s) => mapEcomStatus(s) === "PAID")).toEqual(["COMPLETED"]);
  });

  it("throws on a value outside the enum instead of guessing", () => {
    expect(() => mapEcomStatus("SUCCESS" as EcomStatus)).toThrow(/Unexpected value: SUCCESS/);
  });
});
