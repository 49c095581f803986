import { describe, expect, it } from "vitest";
import { NASTY_STRINGS } from "@/e2e/fixtures/nasty-strings";
import { truncateUtf8, utf8Length } from "./utf8";

describe("utf8Length", () => {
  it.each([
    ["", 0],
    ["abc", 3],
    ["ё", 2],
    ["€", 3],
    ["😀", 4],
  ])("%j is %i bytes", (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
  });
});

describe("truncateUtf8", () => {
  it.each([
    ["abc", 5, "abc"],
    ["abc", 2, "ab"],
    ["Жук", 3, "Ж"],
    ["Жук", 4, "Жу"],
    ["😀😀", 7, "😀"],
    ["😀", 3, ""],
    ["e\u0301e\u0301", 4, "e\u0301"],
    ["🇷🇺🇺🇦", 9, "🇷🇺"],
    ["anything", 0, ""],
  ])("%j in %i bytes is %j", (text, maxBytes, expected) => {
    expect(truncateUtf8(text, maxBytes)).toBe(expected);
  });

  it("never exceeds the limit nor splits a character", () => {
    for (const text of NASTY_STRINGS) {
      for (const maxBytes of [0, 1, 2, 3, 5, 60, 1000]) {
        const cut = truncateUtf8(text.replace(/\p{Cs}/gu, ""), maxBytes);
        expect(utf8Length(cut)).toBeLessThanOrEqual(maxBytes);
        expect(Buffer.from(cut).toString()).toBe(cut);
      }
    }
  });
});
