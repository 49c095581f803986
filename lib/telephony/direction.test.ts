import { describe, expect, it } from "vitest";
import { parseCodes, parseDirection } from "./direction";
import { NASTY_STRINGS } from "./nasty-strings";

describe("parseDirection", () => {
  it.each([
    ["in", "in"],
    ["IN", "in"],
    [" In ", "in"],
    ["incoming", "in"],
    ["Inbound", "in"],
    ["out", "out"],
    ["OUT", "out"],
    ["outgoing", "out"],
    ["outbound", "out"],
    ["", null],
    ["hangup", null],
    ["i n", null],
    ["inout", null],
  ] as const)("%j → %j", (raw, expected) => {
    expect(parseDirection(raw)).toBe(expected);
  });

  it("rejects hostile input", () => {
    for (const raw of NASTY_STRINGS) expect(parseDirection(raw)).toBeNull();
  });
});

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
