import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from "libphonenumber-js";

/** Numbers this short are internal extensions or feature codes, never a customer. */
const SHORT_MAX_DIGITS = 6;
const MAX_INPUT_CHARS = 256;
const MAX_DIGITS = 20;

/**
 * The dialable part of what the PBX sent: the user part of a `sip:`/`sips:`/`tel:` URI
 * (optionally inside `"Name" <…>`), as a leading "+" and digits. Null when anything but
 * digits and the usual separators (spaces, dots, dashes, slashes, parentheses) is left.
 */
function dialString(raw: string): { international: boolean; digits: string } | null {
  if (raw.length > MAX_INPUT_CHARS) return null;
  let text = raw.trim();
  const bracketed = /<([^<>]*)>/.exec(text);
  if (bracketed) text = (bracketed[1] ?? "").trim();
  const uri = /^(?:sips?|tel):([^@;]*)/i.exec(text);
  if (uri) text = uri[1] ?? "";
  if (!/^\+?[\d\s().\-/]+$/u.test(text)) return null;
  const digits = text.replace(/\D/g, "");
  if (text.startsWith("+")) return { international: true, digits };
  // "00" is the international prefix of most PBX dialplans (Russia's own "810" is left to libphonenumber).
  if (digits.startsWith("00")) return { international: true, digits: digits.slice(2) };
  return { international: false, digits };
}

function e164Digits(phone: PhoneNumber | undefined, accept: (phone: PhoneNumber) => boolean): string | null {
  return phone && accept(phone) ? phone.number.slice(1) : null;
}

/**
 * A customer's number as E.164 digits without "+" ("79001234567"), or null for extensions
 * (≤ 6 digits) and anything that isn't a phone number. Without a "+" or "00" the number is
 * read in each of `countries` in turn (first a valid reading, then a merely possible one:
 * PBX numbers are messy and libphonenumber's ranges lag behind), and last as an
 * international number missing its "+".
 */
export function normalizePhone(raw: string, countries: string[] = ["RU"]): string | null {
  const dial = dialString(raw);
  if (!dial || dial.digits.length <= SHORT_MAX_DIGITS || dial.digits.length > MAX_DIGITS) return null;
  const international = parsePhoneNumberFromString(`+${dial.digits}`);
  if (dial.international) return e164Digits(international, (phone) => phone.isPossible());
  const readings = countries
    .map((country) => country.trim().toUpperCase())
    .filter((country): country is CountryCode => isSupportedCountry(country))
    .map((country) => parsePhoneNumberFromString(dial.digits, country));
  for (const accept of [(phone: PhoneNumber) => phone.isValid(), (phone: PhoneNumber) => phone.isPossible()]) {
    for (const reading of readings) {
      const digits = e164Digits(reading, accept);
      if (digits) return digits;
    }
  }
  return e164Digits(international, (phone) => phone.isPossible());
}

const KEY_DIGITS = 10;

/**
 * What two spellings of one number have in common: its last ten digits. A trunk names a number
 * in its own way (+7…, 7…, 8…, without the country code), and a store's number or a caller's
 * must match however it was spelt (docs/crm-features.md, «Магазины по номерам»).
 */
export function numberKey(phone: string): string {
  return phone.replace(/\D/g, "").slice(-KEY_DIGITS);
}

/** SQL that is true when two number columns name the same number (as numberKey does). */
export function DID_MATCH(left: string, right: string): string {
  return `right(regexp_replace(${left}, '\\D', '', 'g'), ${KEY_DIGITS}) = right(regexp_replace(${right}, '\\D', '', 'g'), ${KEY_DIGITS})`;
}
