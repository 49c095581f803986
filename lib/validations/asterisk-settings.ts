import { z } from "zod";
import { isTimeZone } from "@/lib/telephony/clock";

/** How the service reaches AMI for click-to-call: HTTP rawman or TCP (docs/asterisk.md). */
export const AMI_TRANSPORTS = ["HTTP", "TCP"] as const;

// Values end up in SIP display names, AMI headers and dialplan arguments: no quotes, commas or control characters.
const displaySafe = /^[^",\\\u0000-\u001f\u007f]*$/;
const hostname =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const ipv6 = /^[0-9A-Fa-f:.]+$/;

/** «Откуда брать события звонков» (docs/ami-events.md); the form names each by asterisk.fields.eventSource.options. */
export const EVENT_SOURCES = ["DIALPLAN", "AMI", "BOTH"] as const;

/** «Настройки Asterisk» (docs/cabinet.md), shared by the form, its server actions and their tests; messages are keys. */
export const asteriskSettingsSchema = z
  .object({
    callerIdPrefix: z
      .string()
      .trim()
      .max(20, "asterisk.validation.max20")
      .regex(displaySafe, "asterisk.validation.displaySafe"),
    outgoing: z
      .string()
      .trim()
      .min(1, "asterisk.validation.outgoingRequired")
      .regex(/^[A-Za-z0-9_-]{1,80}(,[A-Za-z0-9_-]{1,40})?$/, "asterisk.validation.outgoingFormat"),
    managerCallerIdName: z
      .string()
      .trim()
      .max(40, "asterisk.validation.max40")
      .regex(displaySafe, "asterisk.validation.displaySafe"),
    amiHost: z
      .string()
      .trim()
      .min(1, "asterisk.validation.hostRequired")
      .refine((v) => hostname.test(v) || (v.includes(":") && ipv6.test(v)), "asterisk.validation.hostFormat"),
    amiPort: z
      .string()
      .trim()
      .regex(/^\d{1,5}$/, "asterisk.validation.port")
      .refine((v) => Number(v) >= 1 && Number(v) <= 65535, "asterisk.validation.port"),
    amiLogin: z
      .string()
      .trim()
      .min(1, "asterisk.validation.loginRequired")
      .max(80, "asterisk.validation.max80")
      .regex(/^[A-Za-z0-9_.@-]+$/, "asterisk.validation.loginChars"),
    amiSecret: z
      .string()
      .max(128, "asterisk.validation.max128")
      .regex(/^[^\r\n]*$/, "asterisk.validation.noLineBreaks"),
    amiTransport: z.enum(AMI_TRANSPORTS),
    channelTemplate: z
      .string()
      .trim()
      .refine(
        (v) => v === "SIP" || v === "PJSIP" || /^[A-Za-z0-9]+\/[^\s,"]*\{code\}[^\s,"]*$/.test(v),
        "asterisk.validation.channel",
      ),
    pbxTimeZone: z.string().trim().refine(isTimeZone, "asterisk.validation.timeZone"),
    lookupBudgetMs: z
      .string()
      .trim()
      .regex(/^\d{1,5}$/, "asterisk.validation.lookupBudget")
      .refine((v) => Number(v) >= 200 && Number(v) <= 5000, "asterisk.validation.lookupBudget"),
    transliterateNames: z.boolean(),
    sendOutEvent: z.boolean(),
    pauseQueueWhenAway: z.boolean(),
    countries: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2}(\s*,\s*[A-Za-z]{2}){0,9}$/, "asterisk.validation.countries"),
    eventSource: z.enum(EVENT_SOURCES),
    inboundContexts: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,80}(\s*,\s*[A-Za-z0-9_-]{1,80}){0,19}$/, "asterisk.validation.inboundContexts"),
    outboundContexts: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,80}(\s*,\s*[A-Za-z0-9_-]{1,80}){0,19}$/, "asterisk.validation.outboundContexts"),
    amiEventsPort: z
      .string()
      .trim()
      .regex(/^\d{1,5}$/, "asterisk.validation.port")
      .refine((v) => Number(v) >= 1 && Number(v) <= 65535, "asterisk.validation.port"),
    amiCallerName: z.boolean(),
    amiRouting: z.boolean(),
    routingContext: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,80}$/, "asterisk.validation.routingContext"),
    routingAnswerSeconds: z
      .string()
      .trim()
      .regex(/^\d{1,3}$/, "asterisk.validation.routingAnswerSeconds")
      .refine((v) => Number(v) >= 5 && Number(v) <= 120, "asterisk.validation.routingAnswerSeconds"),
    // Sent as a Redirect's Context, Exten and Priority: no spaces, commas within or line breaks.
    routingFallback: z
      .string()
      .trim()
      .regex(
        /^([A-Za-z0-9_-]{1,80},[A-Za-z0-9_*#+-]{1,80},[A-Za-z0-9_-]{1,40})?$/,
        "asterisk.validation.routingFallback",
      ),
  })
  .superRefine((settings, context) => {
    // Routing sends the caller somewhere when the manager does not answer: never into nowhere.
    if (settings.amiRouting && settings.routingFallback.trim() === "")
      context.addIssue({
        code: "custom",
        path: ["routingFallback"],
        message: "asterisk.validation.routingFallbackRequired",
      });
  });

export function parseContexts(value: string): string[] {
  return [
    ...new Set(
      value
        .split(",")
        .map((c) => c.trim())
        .filter(Boolean),
    ),
  ];
}

export function parseCountries(value: string): string[] {
  return [...new Set(value.split(",").map((c) => c.trim().toUpperCase()))];
}

export type AsteriskSettingsInput = z.input<typeof asteriskSettingsSchema>;

export function splitOutgoing(outgoing: string): { context: string; priority: string } {
  const [context, priority] = outgoing.split(",");
  return { context: context!, priority: priority ?? "1" };
}

/** «Куда вернуть звонок»: "context,extension,priority", or null when none is set. */
export function splitFallback(value: string): { context: string; exten: string; priority: string } | null {
  const [context, exten, priority] = value.trim().split(",");
  return context && exten && priority ? { context, exten, priority } : null;
}
