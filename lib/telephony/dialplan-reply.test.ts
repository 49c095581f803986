import { describe, expect, it } from "vitest";
import { callerIdName } from "./caller-name";
import { dialplanError, managerReply } from "./dialplan-reply";
import { NASTY_STRINGS } from "@/e2e/fixtures/nasty-strings";

/** Asterisk's __ast_app_separate_args(…, ',', remove_chars=1) as ARRAY() applies it (main/app.c). */
function asteriskArray(value: string): string[] {
  const args: string[] = [];
  let current = "";
  let paren = 0;
  let bracket = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i] ?? "";
    if (char === "(") paren++;
    else if (char === ")" && paren) paren--;
    else if (char === "[") bracket++;
    else if (char === "]" && bracket) bracket--;
    if (char === '"') quoted = !quoted;
    else if (char === "\\") current += value[++i] ?? "";
    else if (char === "," && !paren && !bracket && !quoted) {
      args.push(current);
      current = "";
    } else current += char;
  }
  return [...args, current];
}

describe("managerReply", () => {
  it.each([
    [
      { callerId: "Иван Петров", extension: "101" },
      "json",
      '{"result":{"callerId":"Иван Петров","phone":"101"}}',
      "application/json; charset=utf-8",
    ],
    [{ callerId: "Иван Петров", extension: "101" }, "text", "Иван Петров,101", "text/plain; charset=utf-8"],
    [
      { callerId: "", extension: "" },
      "json",
      '{"result":{"callerId":"","phone":""}}',
      "application/json; charset=utf-8",
    ],
    [{ callerId: "", extension: "" }, "text", ",", "text/plain; charset=utf-8"],
    [{ callerId: "Shop: Ivan", extension: "" }, "text", "Shop: Ivan,", "text/plain; charset=utf-8"],
  ] as const)("%j as %s → %j", (answer, type, body, contentType) => {
    expect(managerReply(answer, type)).toEqual({ body, contentType });
  });

  it("answers the guide's JSONELEMENT(result/callerId) / JSON_DECODE(result.phone) paths", () => {
    const parsed = JSON.parse(managerReply({ callerId: "Иван", extension: "102" }, "json").body) as {
      result: { callerId: string; phone: string };
    };
    expect(parsed.result).toEqual({ callerId: "Иван", phone: "102" });
  });

  it.each([
    { callerId: "Иван,Петров", extension: "101" },
    { callerId: 'Иван "Петров"', extension: "101" },
    { callerId: "Иван (VIP", extension: "101" },
    { callerId: "Иван\nПетров", extension: "101" },
    { callerId: " Иван", extension: "101" },
    { callerId: "Иван", extension: "101,102" },
    { callerId: "Иван", extension: "abc" },
    { callerId: "Ж".repeat(600), extension: "101" },
  ])("refuses %j", (answer) => {
    expect(() => managerReply(answer, "text")).toThrow();
    expect(() => managerReply(answer, "json")).toThrow();
  });

  it("splits into exactly the name and the extension in ARRAY(), for any customer name", () => {
    for (const nasty of NASTY_STRINGS) {
      for (const transliterate of [false, true]) {
        const callerId = callerIdName(
          { firstName: nasty, lastName: `${nasty}Петров` },
          { prefix: nasty, transliterate },
        );
        const text = managerReply({ callerId, extension: "101" }, "text").body;
        expect(asteriskArray(text)).toEqual([callerId, "101"]);
        expect(Buffer.byteLength(text)).toBeLessThan(1024);
        const json = managerReply({ callerId, extension: "101" }, "json").body;
        expect(JSON.parse(json)).toEqual({ result: { callerId, phone: "101" } });
        expect(Buffer.byteLength(json)).toBeLessThan(1024);
      }
    }
  });
});

describe("dialplanError", () => {
  it("keeps the dialplan's values empty and carries the message aside", () => {
    expect(dialplanError("parameter phone is required", "text")).toEqual({
      body: ",",
      contentType: "text/plain; charset=utf-8",
      headers: { "X-Bridge-Error": "parameter phone is required" },
    });
    expect(dialplanError("unknown clientId", "json")).toEqual({
      body: '{"result":{"callerId":"","phone":""},"error":"unknown clientId"}',
      contentType: "application/json; charset=utf-8",
      headers: { "X-Bridge-Error": "unknown clientId" },
    });
  });

  it.each([
    ["line\r\nbreak", "line break"],
    ["нет доступа", "%D0%BD%D0%B5%D1%82 %D0%B4%D0%BE%D1%81%D1%82%D1%83%D0%BF%D0%B0"],
    ["100% sure", "100%25 sure"],
  ])("header for %j is %j", (message, header) => {
    expect(dialplanError(message, "text").headers["X-Bridge-Error"]).toBe(header);
  });

  it("stays small, parseable and a valid header for hostile messages", () => {
    for (const message of NASTY_STRINGS) {
      const text = dialplanError(message, "text");
      expect(text.body).toBe(",");
      expect(() => new Headers(text.headers)).not.toThrow();
      expect(text.headers["X-Bridge-Error"]).toMatch(/^[\x20-\x7e]*$/);
      const json = dialplanError(message, "json");
      expect(Buffer.byteLength(json.body)).toBeLessThan(1024);
      expect(Buffer.from(json.body).toString()).toBe(json.body);
      expect((JSON.parse(json.body) as { result: unknown }).result).toEqual({ callerId: "", phone: "" });
    }
  });
});
