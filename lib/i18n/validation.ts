/**
 * Schemas shared by forms and server actions name their messages by a full key (`validation.crmUrlRequired`, `asterisk.validation.…`; docs/i18n.md);
 * the form or the action says it in the admin's language. A text that is not a key is shown as it is.
 */
export function validationText(t: { has(key: never): boolean; (key: never): string }, message: string): string {
  return t.has(message as never) ? t(message as never) : message;
}
