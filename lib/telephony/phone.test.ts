import { describe, expect, it } from "vitest";
import { NASTY_STRINGS } from "./nasty-strings";
import { normalizePhone, phoneLookupKey, samePhone } from "./phone";

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

describe("samePhone", () => {
  it.each([
    ["+7 (900) 123-45-67", "89001234567", true],
    ["sip:79001234567@host", "9001234567", true],
    ["79001234567", "79001234568", false],
    ["101", "101", false],
    ["", "", false],
  ])("%j and %j → %s", (a, b, expected) => {
    expect(samePhone(a, b)).toBe(expected);
  });

  it("reads national numbers in the given countries", () => {
    expect(samePhone("0501234567", "+380501234567", ["UA"])).toBe(true);
  });
});

describe("phoneLookupKey", () => {
  it("is the normalized number, shared by every spelling", () => {
    const keys = ["+7 (900) 123-45-67", "8 (900) 123 45 67", "79001234567", "sip:89001234567@h"].map((raw) =>
      phoneLookupKey(raw),
    );
    expect(new Set(keys)).toEqual(new Set(["79001234567"]));
    expect(phoneLookupKey("102")).toBeNull();
  });
});
