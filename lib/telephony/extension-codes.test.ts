import { describe, expect, it } from "vitest";
import { parseCodes } from "./extension-codes";
import { NASTY_STRINGS } from "@/e2e/fixtures/nasty-strings";

describe("parseCodes", () => {
  it.each([
    ["101, 102,,103", ["101", "102", "103"], []],
    ["", [], []],
    [" , ,", [], []],
    ["101", ["101"], []],
    ["101,101,102", ["101", "102"], []],
    ["101,abc,10 2,+102,103", ["101", "103"], ["abc", "10 2", "+102"]],
    ['"101', [], ['"101']],
    ["12345678901", [], ["12345678901"]],
    [["101", "102,103"], ["101", "102", "103"], []],
    [[], [], []],
  ] as const)("%j → %j, rejected %j", (raw, codes, rejected) => {
    expect(parseCodes(raw)).toEqual({ codes, rejected });
  });

  it("keeps only digit extensions of hostile input", () => {
    for (const raw of NASTY_STRINGS) {
      for (const code of parseCodes(raw).codes) expect(code).toMatch(/^\d{1,10}$/);
    }
  });
});
