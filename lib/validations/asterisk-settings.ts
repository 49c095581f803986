import { z } from "zod";

// Values end up in SIP display names, AMI headers and dialplan arguments: no quotes, commas or control characters.
const displaySafe = /^[^",\\\u0000-\u001f\u007f]*$/;
const hostname =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const ipv6 = /^[0-9A-Fa-f:.]+$/;

export const CHANNEL_HINT =
  "SIP, PJSIP или шаблон канала с {code}, например PJSIP/{code} или Local/{code}@from-internal";

/** «Настройки Asterisk» (docs/cabinet.md), shared by the form, its server actions and their tests. */
export const asteriskSettingsSchema = z.object({
  callerIdPrefix: z
    .string()
    .trim()
    .max(20, "Не длиннее 20 символов")
    .regex(displaySafe, "Без кавычек, запятых и обратной косой черты"),
  outgoing: z
    .string()
    .trim()
    .min(1, "Укажите контекст исходящих звонков")
    .regex(
      /^[A-Za-z0-9_-]{1,80}(,[A-Za-z0-9_-]{1,40})?$/,
      "Укажите наименование контекста и приоритета через запятую: context[,priority]",
    ),
  managerCallerIdName: z
    .string()
    .trim()
    .max(40, "Не длиннее 40 символов")
    .regex(displaySafe, "Без кавычек, запятых и обратной косой черты"),
  amiHost: z
    .string()
    .trim()
    .min(1, "Укажите имя или ip-адрес сервера Asterisk")
    .refine(
      (v) => hostname.test(v) || (v.includes(":") && ipv6.test(v)),
      "Укажите имя или ip-адрес сервера, без http:// и порта",
    ),
  amiPort: z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, "Порт — число от 1 до 65535")
    .refine((v) => Number(v) >= 1 && Number(v) <= 65535, "Порт — число от 1 до 65535"),
  amiLogin: z
    .string()
    .trim()
    .min(1, "Введите имя пользователя AMI")
    .max(80, "Не длиннее 80 символов")
    .regex(/^[A-Za-z0-9_.@-]+$/, "Латинские буквы, цифры и _ . @ -"),
  amiSecret: z
    .string()
    .max(128, "Не длиннее 128 символов")
    .regex(/^[^\r\n]*$/, "Без переводов строки"),
  amiTransport: z.enum(["HTTP", "TCP"]),
  channelTemplate: z
    .string()
    .trim()
    .refine((v) => v === "SIP" || v === "PJSIP" || /^[A-Za-z0-9]+\/[^\s,"]*\{code\}[^\s,"]*$/.test(v), CHANNEL_HINT),
  lookupBudgetMs: z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, "Время — число миллисекунд от 200 до 5000")
    .refine((v) => Number(v) >= 200 && Number(v) <= 5000, "Время — число миллисекунд от 200 до 5000"),
  transliterateNames: z.boolean(),
  sendOutEvent: z.boolean(),
  pauseQueueWhenAway: z.boolean(),
  countries: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}(\s*,\s*[A-Za-z]{2}){0,9}$/, "Коды стран ISO через запятую, например RU, BY, KZ"),
  eventSource: z.enum(["DIALPLAN", "AMI", "BOTH"]),
  inboundContexts: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9_-]{1,80}(\s*,\s*[A-Za-z0-9_-]{1,80}){0,19}$/,
      "Названия контекстов через запятую, например from-trunk, from-pstn",
    ),
  amiEventsPort: z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, "Порт — число от 1 до 65535")
    .refine((v) => Number(v) >= 1 && Number(v) <= 65535, "Порт — число от 1 до 65535"),
});

/** «Откуда брать события звонков»: the guide's words for each source (docs/ami-events.md). */
export const EVENT_SOURCES = {
  DIALPLAN: "из dialplan (как в инструкции)",
  AMI: "из событий AMI (без правки dialplan)",
  BOTH: "из dialplan и из событий AMI",
} as const;

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
