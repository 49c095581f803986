import { match } from "@formatjs/intl-localematcher";
import Negotiator from "negotiator";

/** Russian is the guide's language and the default; English for Simla.com users (docs/i18n.md). */
export const LOCALES = ["ru", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "ru";
/**
 * Times the cabinet records itself: retailCRM's home time zone (docs/i18n.md). Also the zone of a
 * CRM and of a PBX until the account's own is known (docs/dialplan-api.md, «Время звонка»).
 */
export const TIME_ZONE = "Europe/Moscow";

/** The switch's choice, kept for a year; it wins over the browser's languages. */
export const LOCALE_COOKIE = "NEXT_LOCALE";
export const LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600;

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** The kept choice, else the best of the browser's Accept-Language, else Russian. */
export function pickLocale(cookie: string | undefined, acceptLanguage: string | null | undefined): Locale {
  if (isLocale(cookie)) return cookie;
  if (!acceptLanguage) return DEFAULT_LOCALE;
  const wanted = new Negotiator({ headers: { "accept-language": acceptLanguage } }).languages();
  try {
    const found = match(wanted, LOCALES, DEFAULT_LOCALE);
    return isLocale(found) ? found : DEFAULT_LOCALE;
  } catch {
    // A malformed tag in the header (RangeError from Intl): the header is the browser's, not a reason to fail.
    return DEFAULT_LOCALE;
  }
}
