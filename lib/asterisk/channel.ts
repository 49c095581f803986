/** «Канал звонка менеджеру» of an account that never saved its Asterisk settings (the column's default). */
export const DEFAULT_CHANNEL_TEMPLATE = "SIP";

/**
 * The manager's channel from the account's «Канал звонка менеджеру»: SIP → SIP/101, PJSIP →
 * PJSIP/101, a template such as Local/{code}@from-internal → Local/101@from-internal. `code` may
 * be a dialplan expression (`${TOEXT}`) for the snippets, or an extension for Originate.
 */
export function managerChannel(template: string, code: string): string {
  return template.includes("{code}") ? template.replaceAll("{code}", code) : `${template}/${code}`;
}

/** The customer's number as the dialplan dials it (the Originate's Exten): digits only, a leading + dropped. */
export function dialString(phone: string): string {
  return phone.replace(/\D/g, "");
}

/** Channel variable the Originate of a click sets to the manager's extension (docs/asterisk.md, «Звонок из CRM»). */
export const CLICK_CODE_VARIABLE = "CRM_CODE";
