import { describe, expect, it } from "vitest";
import { isSqliteBusy, withBusyRetries } from "./db-sqlite";

// A write SQLite refuses for a lock another process holds is run again (it wrote nothing); any
// other error is not. (Two instances on one SQLite file: tests/instances/fiscal-instances.test.ts.)

describe("SQLite lock refusals", () => {
  it("recognises both ways Prisma's adapter reports SQLITE_BUSY, and nothing else", () => {
    expect(
      isSqliteBusy(new Error("\nInvalid `prisma.payment.updateMany()` invocation:\n\n\nOperation has timed out")),
    ).toBe(true);
    expect(isSqliteBusy(new Error("Invalid `prisma.payment.updateMany()` invocation: database is locked"))).toBe(true);
    expect(isSqliteBusy(new Error("Unique constraint failed on the fields: (`externalId`)"))).toBe(false);
  });

  it("runs a refused write again until it goes through", async () => {
    let calls = 0;
    const result = await withBusyRetries(() => {
      calls++;
      if (calls < 3) throw new Error("Operation has timed out");
      return "written";
    });
    expect([result, calls]).toEqual(["written", 3]);
  });

  it("does not run again after any other error, and gives up after its last pause", async () => {
    let other = 0;
    await expect(
      withBusyRetries(() => {
        other++;
        throw new Error("Unique constraint failed");
      }),
    ).rejects.toThrow("Unique constraint failed");
    expect(other).toBe(1);
    let busy = 0;
    await expect(
      withBusyRetries(() => {
        busy++;
        throw new Error("database is locked");
      }),
    ).rejects.toThrow("database is locked");
    expect(busy).toBe(7);
  });
});
