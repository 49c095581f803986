import { describe, expect, it } from "vitest";
import { luhnValid, maskText } from "./mask";

// 4111 1111 1111 1111 and 5500 0000 0000 0004 are the card networks' published test numbers;
// 4276 3800 1234 5679 is made Luhn-valid here.
describe("maskText: card numbers", () => {
  it("knows Luhn", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("4276380012345679")).toBe(true);
    expect(luhnValid("4276380012345675")).toBe(false);
  });

  it("masks a card written in one run of digits, keeping its last four", () => {
    expect(maskText("карта 4111111111111111, срок 12/27")).toBe("карта ****1111, срок 12/27");
  });

  it("masks groups split by spaces and by dashes", () => {
    expect(maskText("номер 4111 1111 1111 1111 верно")).toBe("номер ****1111 верно");
    expect(maskText("card 5500-0000-0000-0004 thanks")).toBe("card ****0004 thanks");
  });

  it("masks a card spoken digit by digit in Russian", () => {
    const said = "да, четыре два семь шесть три восемь ноль ноль один два три четыре пять шесть семь девять, всё";
    expect(maskText(said)).toBe("да, ****5679, всё");
  });

  it("masks a card spoken in pairs and hundreds in Russian", () => {
    const said =
      "сорок два семьдесят шесть тридцать восемь ноль ноль двенадцать тридцать четыре пятьдесят шесть семьдесят девять";
    expect(maskText(said)).toBe("****5679");
  });

  it("masks a card spoken in English, digits and tens mixed with digit groups", () => {
    expect(maskText("it is four one one one, 1111 1111 eleven eleven ok")).toBe("it is ****1111 ok");
    expect(maskText("forty one eleven, one hundred eleven one, one one one one one one one one")).toBe("****1111");
  });

  it("leaves numbers that fail Luhn or are too short", () => {
    const order = "заказ 4111 1111 1111 1112 и телефон 8 999 123 45 67";
    expect(maskText(order)).toBe(order);
    expect(maskText("four five six")).toBe("four five six");
  });

  it("does not join numbers across words that are not numbers", () => {
    const text = "4111 1111 заказ 1111 1111";
    expect(maskText(text)).toBe(text);
  });
});

describe("maskText: the admin's phrases", () => {
  it("masks each listed phrase whatever its case and spacing", () => {
    expect(maskText("Кодовое  слово Ромашка, пароль ромашка", ["кодовое слово", "Ромашка"])).toBe(
      "*** ***, пароль ***",
    );
  });

  it("treats a phrase as text, not a pattern", () => {
    expect(maskText("a+b and aab", ["a+b"])).toBe("*** and aab");
  });
});
