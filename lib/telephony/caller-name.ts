import { truncateUtf8, utf8Length } from "./utf8";

export interface PersonName {
  firstName?: string | null;
  lastName?: string | null;
  patronymic?: string | null;
}

export interface CallerIdNameOptions {
  /** The account's label, shown as "Prefix: Name". */
  prefix?: string;
  /** Cyrillic → Latin (ICAO Doc 9303, as in Russian passports) for phones without Cyrillic fonts. */
  transliterate?: boolean;
  /** Bound in UTF-8 bytes; default 60. */
  maxBytes?: number;
}

/**
 * Characters with a meaning in Asterisk's argument parser (`,` splits ARRAY(), `"` and `\` quote
 * and escape, brackets and parentheses hide commas), in a SIP display name (`"`, `\`, `<>`),
 * in extensions.conf (`;`), in pipes and shells (`|`, `$`, backtick, braces).
 */
const SYNTAX = /[,"\\;|()[\]<>{}$`]/gu;
/** Control characters (NUL, CR, LF, tab, DEL, C1) stand between words. */
const CONTROLS = /\p{Cc}/gu;
/** Invisible format characters (bidi overrides, zero-width, soft hyphen, BOM) and lone surrogates. */
const INVISIBLE = /[\p{Cf}\p{Cs}]/gu;
const UNSAFE = /[,"\\;|()[\]<>{}$`\p{Cc}\p{Cf}\p{Cs}]/u;

/** ICAO Doc 9303 Cyrillic table (Russian, plus Ukrainian and Belarusian letters). Ь is dropped. */
const ICAO = new Map(
  Object.entries({
    а: "a",
    б: "b",
    в: "v",
    г: "g",
    д: "d",
    е: "e",
    ё: "e",
    ж: "zh",
    з: "z",
    и: "i",
    й: "i",
    к: "k",
    л: "l",
    м: "m",
    н: "n",
    о: "o",
    п: "p",
    р: "r",
    с: "s",
    т: "t",
    у: "u",
    ф: "f",
    х: "kh",
    ц: "ts",
    ч: "ch",
    ш: "sh",
    щ: "shch",
    ъ: "ie",
    ы: "y",
    ь: "",
    э: "e",
    ю: "iu",
    я: "ia",
    ґ: "g",
    є: "ie",
    і: "i",
    ї: "i",
    ў: "u",
  }),
);

const isUpper = (char: string | undefined) => char !== undefined && /\p{Lu}/u.test(char);
const isLetter = (char: string | undefined) => char !== undefined && /\p{L}/u.test(char);

/** "Щукин" → "Shchukin", "ЩУКИН" → "SHCHUKIN"; other scripts are left alone. */
export function transliterate(text: string): string {
  const chars = Array.from(text);
  return chars
    .map((char, i) => {
      const lower = char.toLowerCase();
      const latin = ICAO.get(lower);
      if (latin === undefined || char === lower) return latin ?? char;
      const next = chars[i + 1];
      const shouting = isUpper(next) || (!isLetter(next) && isUpper(chars[i - 1]));
      return shouting ? latin.toUpperCase() : latin.charAt(0).toUpperCase() + latin.slice(1);
    })
    .join("");
}

/** Text reduced to printable characters none of the consumers treat specially, words single-spaced. */
function clean(text: string | null | undefined): string {
  return (text ?? "")
    .normalize("NFC")
    .replace(INVISIBLE, "")
    .replace(CONTROLS, " ")
    .replace(SYNTAX, " ")
    .replace(/\s+/gu, " ")
    .trim();
}

/** Whether a value can go into CALLERID(name) via ARRAY() or JSON and into a SIP display name as is. */
export function isCallerIdSafe(value: string): boolean {
  return !UNSAFE.test(value) && !/\s\s|[^\S ]/u.test(value) && value === value.trim();
}

/**
 * The caller ID name for a customer: "Имя Фамилия" (no patronymic), "Prefix: Имя Фамилия" with a
 * prefix, safe for ARRAY() and SIP (see isCallerIdSafe) and at most maxBytes bytes of UTF-8.
 * No name at all gives "" (a bare prefix would hide the number's own caller ID for nothing);
 * a prefix that leaves no room for the name is dropped.
 */
export function callerIdName(input: PersonName | null, options: CallerIdNameOptions = {}): string {
  const maxBytes = options.maxBytes ?? 60;
  if (!Number.isInteger(maxBytes) || maxBytes < 1)
    throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  const translate = (text: string) => (options.transliterate ? clean(transliterate(text)) : text);
  const name = translate(clean(`${input?.firstName ?? ""} ${input?.lastName ?? ""}`));
  if (!name) return "";
  const prefix = translate(clean(options.prefix));
  const room = maxBytes - (prefix ? utf8Length(`${prefix}: `) : 0);
  const shortened = room > 0 ? truncateUtf8(name, room).trimEnd() : "";
  return prefix && shortened ? `${prefix}: ${shortened}` : truncateUtf8(name, maxBytes).trimEnd();
}
