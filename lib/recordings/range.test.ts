import { describe, expect, it } from "vitest";
import { parseRange } from "./range";

describe("parseRange", () => {
  it.each([
    [null, 1000, null],
    ["", 1000, null],
    ["bytes=0-499", 1000, { start: 0, end: 499 }],
    ["bytes=500-999", 1000, { start: 500, end: 999 }],
    ["bytes=500-5000", 1000, { start: 500, end: 999 }],
    ["bytes=0-0", 1000, { start: 0, end: 0 }],
    ["bytes=900-", 1000, { start: 900, end: 999 }],
    ["bytes=0-", 1000, { start: 0, end: 999 }],
    ["bytes=-100", 1000, { start: 900, end: 999 }],
    ["bytes=-5000", 1000, { start: 0, end: 999 }],
    ["BYTES = 10 - 19", 1000, { start: 10, end: 19 }],
    ["bytes=1000-", 1000, "unsatisfiable"],
    ["bytes=1000-2000", 1000, "unsatisfiable"],
    ["bytes=-0", 1000, "unsatisfiable"],
    ["bytes=0-", 0, "unsatisfiable"],
    ["bytes=-10", 0, "unsatisfiable"],
    ["bytes=0-99,200-299", 1000, null],
    ["bytes=500-100", 1000, null],
    ["bytes=-", 1000, null],
    ["bytes=abc-def", 1000, null],
    ["bytes=1.5-2", 1000, null],
    ["items=0-10", 1000, null],
    ["0-10", 1000, null],
  ])("%j of %i bytes → %j", (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});
