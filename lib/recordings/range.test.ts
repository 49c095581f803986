import { describe, expect, it } from "vitest";
import { chunkedStream } from "@/e2e/fixtures/audio";
import { parseRange, sliceStream } from "./range";

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

describe("sliceStream", () => {
  const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));

  it.each([
    [0, 1],
    [0, 100],
    [9, 1],
    [10, 10],
    [15, 30],
    [99, 1],
  ])("skips %i bytes and passes %i, across chunks of 10, then leaves the rest unread", async (skip, length) => {
    const source = chunkedStream(data, 10);
    const sliced = Buffer.from(await new Response(sliceStream(source.stream, skip, length)).arrayBuffer());
    expect(sliced).toEqual(data.subarray(skip, skip + length));
    expect(source.pulled()).toBeLessThanOrEqual(Math.ceil((skip + length) / 10) + 1);
  });

  it("fails when the source ends before the range does", async () => {
    await expect(new Response(sliceStream(chunkedStream(data, 10).stream, 90, 20)).arrayBuffer()).rejects.toThrow(
      "the stored recording ended before the range did",
    );
  });
});
