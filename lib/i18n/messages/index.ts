import type { Locale } from "../config";
import en from "./en/index";
import ru from "./ru/index";

export type Messages = typeof ru;

/** Every text of the cabinet by locale; English has the same keys (checked by lib/i18n/messages.test.ts). */
export const MESSAGES: Record<Locale, Messages> = { ru, en };
