/**
 * Masking of what was said before it is stored or sent anywhere (docs/transcripts.md, «Masking»):
 * card numbers, as Luhn-valid runs of 13–19 digits written as digits, in groups split by spaces
 * or dashes, or spoken as words in Russian or English («четыре два семь шесть…», "forty two…"),
 * and the phrases the admin lists. A card keeps its last four digits.
 */

const UNITS: Record<string, number> = {
  ноль: 0,
  нуль: 0,
  один: 1,
  одна: 1,
  одно: 1,
  два: 2,
  две: 2,
  три: 3,
  четыре: 4,
  пять: 5,
  шесть: 6,
  семь: 7,
  восемь: 8,
  девять: 9,
  десять: 10,
  одиннадцать: 11,
  двенадцать: 12,
  тринадцать: 13,
  четырнадцать: 14,
  пятнадцать: 15,
  шестнадцать: 16,
  семнадцать: 17,
  восемнадцать: 18,
  девятнадцать: 19,
  двадцать: 20,
  тридцать: 30,
  сорок: 40,
  пятьдесят: 50,
  шестьдесят: 60,
  семьдесят: 70,
  восемьдесят: 80,
  девяносто: 90,
  сто: 100,
  двести: 200,
  триста: 300,
  четыреста: 400,
  пятьсот: 500,
  шестьсот: 600,
  семьсот: 700,
  восемьсот: 800,
  девятьсот: 900,
  zero: 0,
  oh: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const HUNDRED_WORDS = new Set(["hundred"]);

/** A number said or written, with where it stands in the text. */
interface Piece {
  digits: string;
  start: number;
  end: number;
}

/** Words and digit groups, with the separators between them that keep a card's run together. */
const TOKEN = /[\p{L}]+|\d+/gu;
const JOINER = /^[\s,\-–—]*$/u;

/** Luhn's check (ISO/IEC 7812-1), as card numbers carry it. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Runs of numbers in the text: digit groups and number words that follow one another with only
 * spaces, commas or dashes between. Words make numbers as they are said: «сорок два» is 42,
 * «сто три» 103, "four two" is 4 then 2, "forty two" 42, "one hundred three" 103.
 */
function numberRuns(text: string): Piece[][] {
  const runs: Piece[][] = [];
  let run: Piece[] = [];
  let pending: (Piece & { value: number; open: "hundreds" | "tens" | null }) | null = null;
  let lastEnd = -1;
  const flush = () => {
    if (pending) run.push({ digits: String(pending.value), start: pending.start, end: pending.end });
    pending = null;
  };
  const closeRun = () => {
    flush();
    if (run.length) runs.push(run);
    run = [];
  };
  for (const match of text.matchAll(TOKEN)) {
    const token = match[0];
    const start = match.index;
    const end = start + token.length;
    const word = token.toLowerCase();
    const isDigits = /^\d+$/.test(token);
    const value = UNITS[word];
    const hundred = HUNDRED_WORDS.has(word);
    if (!isDigits && value === undefined && !hundred) {
      closeRun();
      lastEnd = -1;
      continue;
    }
    if (lastEnd >= 0 && !JOINER.test(text.slice(lastEnd, start))) closeRun();
    lastEnd = end;
    if (isDigits) {
      flush();
      run.push({ digits: token, start, end });
      continue;
    }
    const p = pending as (Piece & { value: number; open: "hundreds" | "tens" | null }) | null;
    if (hundred) {
      // "one hundred": the unit said before it becomes its hundreds.
      if (p && p.value < 10 && p.open === null) Object.assign(p, { value: p.value * 100, end, open: "hundreds" });
      else {
        flush();
        pending = { digits: "", value: 100, start, end, open: "hundreds" };
      }
      continue;
    }
    const v = value!;
    if (p?.open === "hundreds" && v < 100) {
      Object.assign(p, { value: p.value + v, end, open: v >= 20 && v % 10 === 0 ? "tens" : null });
      continue;
    }
    if (p?.open === "tens" && v >= 1 && v <= 9) {
      Object.assign(p, { value: p.value + v, end, open: null });
      continue;
    }
    flush();
    pending = {
      digits: "",
      value: v,
      start,
      end,
      open: v >= 100 ? "hundreds" : v >= 20 && v % 10 === 0 ? "tens" : null,
    };
  }
  closeRun();
  return runs;
}

/** Card numbers have 13 to 19 digits (ISO/IEC 7812). */
const CARD_MIN = 13;
const CARD_MAX = 19;

function cardSpans(text: string): { start: number; end: number; last4: string }[] {
  const spans: { start: number; end: number; last4: string }[] = [];
  for (const run of numberRuns(text)) {
    for (let i = 0; i < run.length;) {
      let found = -1;
      let digits = "";
      let best = "";
      for (let j = i; j < run.length; j++) {
        digits += run[j]!.digits;
        if (digits.length > CARD_MAX) break;
        if (digits.length >= CARD_MIN && luhnValid(digits)) {
          found = j;
          best = digits;
        }
      }
      if (found < 0) {
        i++;
        continue;
      }
      spans.push({ start: run[i]!.start, end: run[found]!.end, last4: best.slice(-4) });
      i = found + 1;
    }
  }
  return spans;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The text with card numbers and the admin's phrases masked. A phrase matches whatever the case
 * and however many spaces stand between its words; it becomes «***».
 */
export function maskText(text: string, phrases: readonly string[] = []): string {
  let masked = text;
  const spans = cardSpans(masked);
  for (const span of spans.reverse())
    masked = `${masked.slice(0, span.start)}****${span.last4}${masked.slice(span.end)}`;
  for (const phrase of phrases) {
    const words = phrase.trim().split(/\s+/u).filter(Boolean);
    if (words.length === 0) continue;
    masked = masked.replace(new RegExp(words.map(escapeRegExp).join("[\\s,\\-]+"), "giu"), "***");
  }
  return masked;
}
