import { describe, expect, it } from "vitest";
import { callerIdName, isCallerIdSafe, transliterate } from "./caller-name";
import { NASTY_STRINGS } from "@/e2e/fixtures/nasty-strings";

function expectSafe(name: string, maxBytes: number) {
  expect(name).not.toMatch(/[,"\\;|()[\]<>{}$`\p{Cc}\p{Cf}\p{Cs}]/u);
  expect(name).toBe(name.trim());
  expect(name).not.toMatch(/\s\s|[^\S ]/u);
  expect(Buffer.byteLength(name)).toBeLessThanOrEqual(maxBytes);
  expect(Buffer.from(name).toString()).toBe(name);
  expect(isCallerIdSafe(name)).toBe(true);
}

describe("callerIdName", () => {
  it.each([
    [{ firstName: "Иван", lastName: "Петров", patronymic: "Сергеевич" }, {}, "Иван Петров"],
    [{ firstName: "Иван" }, {}, "Иван"],
    [{ lastName: "Петров" }, {}, "Петров"],
    [{ firstName: null, lastName: "Петров", patronymic: "Сергеевич" }, {}, "Петров"],
    [{ patronymic: "Сергеевич" }, {}, ""],
    [{}, {}, ""],
    [null, {}, ""],
    [null, { prefix: "Shop" }, ""],
    [{ firstName: "  ", lastName: "\t" }, { prefix: "Shop" }, ""],
    [{ firstName: "Иван", lastName: "Петров" }, { prefix: "Shop" }, "Shop: Иван Петров"],
    [{ firstName: "Иван", lastName: "Петров" }, { prefix: "  " }, "Иван Петров"],
    [{ firstName: "Пётр", lastName: "Ёжиков" }, {}, "Пётр Ёжиков"],
    [{ firstName: "Пётр", lastName: "Ёжиков" }, { transliterate: false }, "Пётр Ёжиков"],
    [{ firstName: "Пе\u0308тр" }, {}, "Пётр"],
    [{ firstName: "Иван,", lastName: '"Петров"' }, {}, "Иван Петров"],
    [{ firstName: " Анна-Мария ", lastName: "O'Brien\r\n" }, {}, "Анна-Мария O'Brien"],
    [{ firstName: "Иван\u0000", lastName: "Пет\u200bров" }, {}, "Иван Петров"],
    [{ firstName: "Иван (VIP)", lastName: "[test]" }, {}, "Иван VIP test"],
    [
      { firstName: "Иван", lastName: "Петров" },
      { prefix: "Мой магазин", transliterate: true },
      "Moi magazin: Ivan Petrov",
    ],
    [{ firstName: "Щукин", lastName: "Ёжиков" }, { transliterate: true }, "Shchukin Ezhikov"],
    [{ firstName: "Иван", lastName: "Smith 李" }, { transliterate: true }, "Ivan Smith 李"],
  ])("%j %j → %j", (input, options, expected) => {
    expect(callerIdName(input, options)).toBe(expected);
  });

  it.each([
    [{ firstName: "Константин", lastName: "Константинопольский" }, { maxBytes: 20 }, "Константин"],
    [{ firstName: "Константин", lastName: "Константинопольский" }, { maxBytes: 25 }, "Константин Ко"],
    [{ firstName: "Ж" }, { maxBytes: 1 }, ""],
    [{ firstName: "Жук" }, { maxBytes: 5 }, "Жу"],
    [{ firstName: "😀😀" }, { maxBytes: 7 }, "😀"],
    [{ firstName: "Иван" }, { prefix: "Shop", maxBytes: 8 }, "Shop: И"],
    [{ firstName: "Иван" }, { prefix: "Shop", maxBytes: 7 }, "Ива"],
    [{ firstName: "Иван" }, { prefix: "Shop", maxBytes: 5 }, "Ив"],
    [{ firstName: "A".repeat(100) }, {}, "A".repeat(60)],
  ])("%j %j is cut to %j", (input, options, expected) => {
    expect(callerIdName(input, options)).toBe(expected);
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects maxBytes %s", (maxBytes) => {
    expect(() => callerIdName({ firstName: "Иван" }, { maxBytes })).toThrow(RangeError);
  });

  it("always yields a safe, bounded, well-formed name for hostile input", () => {
    for (const nasty of NASTY_STRINGS) {
      for (const transliterate of [false, true]) {
        for (const maxBytes of [1, 3, 7, 60, 255]) {
          for (const input of [
            { firstName: nasty },
            { lastName: nasty },
            { firstName: `Иван${nasty}`, lastName: `${nasty}Петров` },
          ]) {
            expectSafe(callerIdName(input, { transliterate, maxBytes }), maxBytes);
            expectSafe(callerIdName(input, { prefix: nasty, transliterate, maxBytes }), maxBytes);
            expectSafe(callerIdName({ firstName: "Иван" }, { prefix: nasty, transliterate, maxBytes }), maxBytes);
          }
        }
      }
    }
  });

  it("keeps RTL text and emoji", () => {
    expect(callerIdName({ firstName: "שלום", lastName: "😀" })).toBe("שלום 😀");
    expect(callerIdName({ firstName: "\u202eevil\u202c" })).toBe("evil");
  });
});

describe("transliterate (ICAO Doc 9303)", () => {
  it.each([
    ["Щукин Ёжиков", "Shchukin Ezhikov"],
    ["ЩУКИН ЁЖИКОВ", "SHCHUKIN EZHIKOV"],
    ["Юлия Майя", "Iuliia Maiia"],
    ["Подъячев", "Podieiachev"],
    ["Ильич", "Ilich"],
    ["Хрущёв", "Khrushchev"],
    ["Цой", "Tsoi"],
    ["Чайковский", "Chaikovskii"],
    ["Эдуард Шилов", "Eduard Shilov"],
    ["ЖЖ", "ZHZH"],
    ["Ж", "Zh"],
    ["Ж.", "Zh."],
    ["АЖ.", "AZH."],
    ["Ґалина Євгенія Іван Їжак Ўладзь", "Galina Ievgeniia Ivan Izhak Uladz"],
    ["Smith 李 Ω", "Smith 李 Ω"],
    ["", ""],
  ])("%j → %j", (cyrillic, latin) => {
    expect(transliterate(cyrillic)).toBe(latin);
  });
});

describe("isCallerIdSafe", () => {
  it.each([
    ["Иван Петров", true],
    ["", true],
    ["a,b", false],
    ['a"b', false],
    ["a\\b", false],
    ["a;b", false],
    ["a|b", false],
    ["(a", false],
    ["a\nb", false],
    ["a\u0000", false],
    [" a", false],
    ["a  b", false],
    ["a\tb", false],
    ["\ud800", false],
  ])("%j → %s", (value, safe) => {
    expect(isCallerIdSafe(value)).toBe(safe);
  });
});
