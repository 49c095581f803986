import { describe, expect, it } from "vitest";
import { crmErrorMessage } from "@/lib/accounts";
import { RetailCrmError } from "@/lib/retailcrm/errors";
import { pickLocale } from "./config";
import { MESSAGES } from "./messages";
import { translatorFor } from "./translate";

/** Every leaf of a message tree with the ICU arguments it names, e.g. "crmErrors.server" → ["status"]. */
function leaves(tree: object, prefix = ""): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") {
      found.set(path, [...value.matchAll(/\{(\w+)/g)].map((m) => m[1]!).sort());
    } else {
      for (const [leaf, args] of leaves(value as object, path)) found.set(leaf, args);
    }
  }
  return found;
}

describe("messages", () => {
  it("English has every Russian key, no other, with the same arguments", () => {
    const ru = leaves(MESSAGES.ru);
    const en = leaves(MESSAGES.en);
    expect([...en.keys()].sort()).toEqual([...ru.keys()].sort());
    for (const [key, args] of ru) expect(new Set(en.get(key)), key).toEqual(new Set(args));
    expect(ru.size).toBeGreaterThan(20);
  });

  it("every message formats in both languages", () => {
    for (const locale of ["ru", "en"] as const) {
      const t = translatorFor(locale);
      for (const [key, args] of leaves(MESSAGES[locale])) {
        const values = Object.fromEntries(args.map((arg) => [arg, 1]));
        expect(() => t.markup(key as never, values as never), `${locale} ${key}`).not.toThrow();
      }
    }
  });
});

describe("pickLocale", () => {
  it("keeps the switch's choice over the browser's languages", () => {
    expect(pickLocale("en", "ru-RU,ru;q=0.9")).toBe("en");
    expect(pickLocale("ru", "en-US")).toBe("ru");
  });

  it("follows the browser's preferred language, Russian otherwise", () => {
    expect(pickLocale(undefined, "en-GB,en;q=0.9,ru;q=0.5")).toBe("en");
    expect(pickLocale(undefined, "de-DE,de;q=0.9,ru;q=0.8")).toBe("ru");
    expect(pickLocale(undefined, "fr-FR")).toBe("ru");
    expect(pickLocale("xx", "de")).toBe("ru");
    expect(pickLocale(undefined, undefined)).toBe("ru");
    expect(pickLocale(undefined, "@@@;q=abc,,,")).toBe("ru");
  });
});

describe("crmErrorMessage", () => {
  it("speaks Russian outside a request", async () => {
    expect(await crmErrorMessage(new RetailCrmError("server", "x", 502))).toBe(
      "CRM временно недоступна (HTTP 502): попробуйте позже",
    );
  });
});
