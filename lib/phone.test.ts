import { describe, expect, it } from "vitest";
import { normalizePhone } from "./phone";

describe("normalizePhone", () => {
  it.each([
    ["87012345678", "+77012345678"],
    ["77012345678", "+77012345678"],
    ["+77012345678", "+77012345678"],
    ["+7 (701) 234-56-78", "+77012345678"],
    ["8 (701) 234-56-78", "+77012345678"],
    ["8 701 234 56 78", "+77012345678"],
    ["+7-747-123-45-67", "+77471234567"],
    ["  +7 775 000 00 00  ", "+77750000000"],
  ])("accepts %j as %s", (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each([
    ["empty", ""],
    ["blank", "   "],
    ["too short", "8701234567"],
    ["too long", "870123456789"],
    ["Russian +7 9XX", "+79012345678"],
    ["Russian 8 9XX", "89012345678"],
    ["+8 prefix", "+87012345678"],
    ["other country", "+380501234567"],
    ["letters", "+7 701 ABC 56 78"],
    ["plus in the middle", "7+7012345678"],
    ["two pluses", "++77012345678"],
    ["dot separators", "+7.701.234.56.78"],
    ["extension", "+77012345678 ext 1"],
    ["10 digits without prefix", "7012345678"],
  ])("rejects %s (%j)", (_name, input) => {
    expect(normalizePhone(input)).toBeNull();
  });
});
