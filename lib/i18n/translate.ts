import { createTranslator, type NamespaceKeys, type NestedKeyOf } from "next-intl";
import type { Locale } from "./config";
import { MESSAGES, type Messages } from "./messages";

export type Namespace = NamespaceKeys<Messages, NestedKeyOf<Messages>>;

/**
 * The messages of one locale, for code that knows its locale (snippets, texts written into the
 * CRM in the account's language). Free of Next, so that the delivery worker may use it.
 */
export function translatorFor<N extends Namespace = never>(locale: Locale, namespace?: N) {
  return createTranslator({ locale, messages: MESSAGES[locale], namespace });
}
