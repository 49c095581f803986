import { describe, expect, it } from "vitest";
import { NASTY_STRINGS } from "@/e2e/fixtures/nasty-strings";
import { numberKey, normalizePhone } from "./phone";

describe("normalizePhone", () => {
  it.each([
    ["+7 (900) 123-45-67", "79001234567"],
    ["89001234567", "79001234567"],
    ["79001234567", "79001234567"],
    ["9001234567", "79001234567"],
    ["8 (900) 123 45 67", "79001234567"],
    ["+79001234567", "79001234567"],
    ["  +7.900.123.45.67  ", "79001234567"],
    ["0079001234567", "79001234567"],
    ["8 800 555-35-35", "78005553535"],
    ["84951234567", "74951234567"],
    ["sip:79001234567@pbx.example.com", "79001234567"],
    ["sip:+79001234567@10.0.0.1:5060;transport=udp", "79001234567"],
    ["SIPS:89001234567@host", "79001234567"],
    ["<sip:89001234567@host>", "79001234567"],
    ['"Иван" <sip:89001234567@host>', "79001234567"],
    ["tel:+7-900-123-45-67", "79001234567"],
    ["+380501234567", "380501234567"],
    ["00380501234567", "380501234567"],
    ["810380501234567", "380501234567"],
    ["380501234567", "380501234567"],
  ])("%j → %j (RU)", (raw, expected) => {
    expect(normalizePhone(raw)).toBe(expected);
    expect(normalizePhone(raw, ["RU"])).toBe(expected);
  });

  it.each([
    ["0501234567", ["UA"], "380501234567"],
    ["0501234567", ["RU", "UA"], "380501234567"],
    ["89001234567", ["UA", "RU"], "79001234567"],
    ["89001234567", ["ru"], "79001234567"],
    ["79001234567", [], "79001234567"],
    ["79001234567", ["XX"], "79001234567"],
    ["89001234567", ["XX"], null],
    ["0501234567", ["RU"], "70501234567"],
  ])("%j in %j → %j", (raw, countries, expected) => {
    expect(normalizePhone(raw, countries)).toBe(expected);
  });

  it.each([
    "",
    "   ",
    "+",
    "101",
    "123456",
    "12-34-56",
    "sip:101@pbx",
    "*21#",
    "anonymous",
    "sip:anonymous@anonymous.invalid",
    "8 800 FLOWERS",
    "+7 900 123 45 67 ext 5",
    "+8 900 123 45 67",
    "79001234567\u0000",
    "٧٩٠٠١٢٣٤٥٦٧",
    "７９００１２３４５６７",
    "1".repeat(30),
    "7".repeat(10 * 1024),
    "1234567",
  ])("%j is not a customer number", (raw) => {
    expect(normalizePhone(raw)).toBeNull();
  });

  it("returns null or 7–15 plain digits for hostile input", () => {
    for (const raw of NASTY_STRINGS) {
      const phone = normalizePhone(raw, ["RU", "UA", "XX"]);
      if (phone !== null) expect(phone).toMatch(/^\d{7,15}$/);
    }
  });
});

describe("normalizePhone: one number, whatever the spelling", () => {
  it.each([
    ["+7 (900) 123-45-67", "89001234567", true],
    ["sip:79001234567@host", "9001234567", true],
    ["79001234567", "79001234568", false],
  ])("%j and %j → %s", (a, b, expected) => {
    expect(normalizePhone(a, ["RU"]) === normalizePhone(b, ["RU"])).toBe(expected);
  });

  it("is no number for an extension or nothing, and reads national numbers of the given countries", () => {
    expect(normalizePhone("101", ["RU"])).toBeNull();
    expect(normalizePhone("", ["RU"])).toBeNull();
    expect(normalizePhone("0501234567", ["UA"])).toBe(normalizePhone("+380501234567", ["UA"]));
  });
});

describe("numberKey", () => {
  it("gives every spelling a trunk uses for one number the same key, and other numbers another", () => {
    const spellings = ["+7 (900) 123-45-67", "79001234567", "89001234567", "9001234567", "tel:+79001234567"];
    expect(new Set(spellings.map(numberKey))).toEqual(new Set(["9001234567"]));
    expect(numberKey("+7 900 123-45-68")).not.toBe(numberKey("+7 900 123-45-67"));
    expect(numberKey("103")).toBe("103");
  });
});
