import { z } from "zod";
import { parseCodes } from "@/lib/telephony/extension-codes";

/**
 * What a caller's or callee's number may contain as the dialplan sends it: digits, "+", "*", "#",
 * the usual separators and the letters and ":@_" of SIP names ("anonymous", "user@host"). Plain
 * spaces only: tabs, line breaks and other Unicode spaces would end up stored and sent to the CRM.
 */
const PHONE_CHARACTERS = /^[0-9+()\-. *#a-zA-Z:@_]*$/;
const PHONE_CHARACTERS_MESSAGE = "parameter phone has characters a phone number cannot have";

/** Control, format, surrogate and unassigned code points: nothing a stored text may carry (PostgreSQL refuses NUL). */
const UNPRINTABLE = /\p{C}/u;

const clientId = z
  .string({ error: "parameter clientId is required" })
  .min(1, "parameter clientId is required")
  .max(128, "parameter clientId is too long");

/** The company's number the call came in on or goes out through (a DID), optional everywhere. */
const externalPhone = z
  .string()
  .trim()
  .max(64, "parameter externalPhone is too long")
  .regex(/^[0-9+()\-. ]*$/, "parameter externalPhone must be a phone number")
  .transform((v) => v || undefined)
  .optional();

/** GET /api/manager?clientId=&phone=&type=json|text[&externalPhone=] (docs/dialplan-api.md). */
export const managerQuerySchema = z.object({
  clientId,
  phone: z
    .string({ error: "parameter phone is required" })
    .trim()
    .min(1, "parameter phone is required")
    .max(64, "parameter phone is too long")
    .regex(PHONE_CHARACTERS, PHONE_CHARACTERS_MESSAGE),
  type: z.enum(["json", "text"], { error: "parameter type must be json or text" }),
  externalPhone,
});

const count = (name: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,7}$/, `parameter ${name} must be a whole number of seconds`)
    .transform(Number)
    .optional();

/** "YYYY-MM-DD HH:MM:SS" (or with "T") that is a real moment between 1970 and 9999, as PostgreSQL and the CRM take it. */
function isRealDateTime(value: string): boolean {
  const [, y, mo, d, h, mi, s] = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value) ?? [];
  if (y === undefined) return true; // the format check reports it
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    year >= 1970 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}

function isRecordingUrl(value: string): boolean {
  if (value === "") return true;
  if (!/^(https?|ftp):\/\/\S+$/i.test(value) || UNPRINTABLE.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** /api/event parameters exactly as the guide lists them (2.2.2); `DATE` is accepted for `date`. */
export const eventParamsSchema = z.object({
  clientId,
  type: z.enum(["in", "out", "hangup", "upload"], { error: "parameter type must be one of in, out, hangup, upload" }),
  uniqueid: z
    .string({ error: "parameter uniqueid is required" })
    .trim()
    .min(1, "parameter uniqueid is required")
    .max(150, "parameter uniqueid is too long")
    .regex(/^[A-Za-z0-9._:-]+$/, "parameter uniqueid must look like an Asterisk UNIQUEID (e.g. 1717171717.42)"),
  phone: z
    .string()
    .trim()
    .max(64, "parameter phone is too long")
    .regex(PHONE_CHARACTERS, PHONE_CHARACTERS_MESSAGE)
    .optional(),
  code: z
    .string()
    .trim()
    .max(500, "parameter code is too long")
    .refine(
      (v) => /^[0-9,\s]*$/.test(v) && parseCodes(v).rejected.length === 0,
      "parameter code must be extensions (1 to 10 digits), comma-separated",
    )
    .optional(),
  status: z
    .string()
    .trim()
    .max(32, "parameter status is too long")
    .refine((v) => !UNPRINTABLE.test(v), "parameter status has unprintable characters")
    .optional(),
  direct: z.enum(["in", "out"], { error: "parameter direct must be in or out" }).optional(),
  date: z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$/, "parameter date must be YYYY-MM-DD HH:MM:SS")
    .refine(isRealDateTime, "parameter date is not a real date and time (YYYY-MM-DD HH:MM:SS, from 1970)")
    // The CRM's calls/upload takes "Y-m-d H:i:s" only.
    .transform((v) => v.replace("T", " "))
    .optional(),
  hold: count("hold"),
  duration: count("duration"),
  path: z
    .string()
    .trim()
    .max(2048, "parameter path is too long")
    .refine(isRecordingUrl, "parameter path must be an http, https or ftp URL")
    .optional(),
  /** event.sh's hangup: the recording follows as type=upload (docs/dialplan-api.md). */
  recording: z.enum(["upload"], { error: "parameter recording must be upload" }).optional(),
  externalPhone,
});

export type EventParams = z.infer<typeof eventParamsSchema>;

const requiredEventParamsSchema = eventParamsSchema.pick({ clientId: true, type: true, uniqueid: true });
const OPTIONAL_FIELDS = [
  "phone",
  "code",
  "status",
  "direct",
  "date",
  "hold",
  "duration",
  "path",
  "recording",
  "externalPhone",
] as const;
export type OptionalEventField = (typeof OPTIONAL_FIELDS)[number];

/** What can be kept of a bad value: a phone's allowed characters, the real extensions of a code list. */
const CLEANERS: Partial<Record<OptionalEventField, (raw: string) => string>> = {
  phone: (raw) =>
    raw
      .replace(/[^0-9+()\-. *#a-zA-Z:@_]/g, "")
      .replace(/ +/g, " ")
      .trim()
      .slice(0, 64),
  code: (raw) => parseCodes(raw).codes.join(","),
  externalPhone: (raw) => raw.replace(/[^0-9+]/g, "").slice(0, 64),
};

/** An optional parameter that could not be used as sent: cleaned to what could be kept, or ignored. */
export interface InputWarning {
  field: OptionalEventField;
  action: "cleaned" | "ignored";
  /** Precise, for the dialplan's debug log. */
  message: string;
}

export type ReadEventParams =
  { ok: true; params: EventParams; warnings: InputWarning[] } | { ok: false; message: string };

/**
 * /api/event's parameters. Only clientId, type and uniqueid must be right: without them the
 * event belongs to no account and no call. Any other parameter that is wrong is cleaned or
 * ignored, and said so, instead of refusing the event: a hangup refused for a stray character
 * in a cosmetic field would never reach the CRM, since event.sh does not repeat a 4xx
 * (docs/dialplan-api.md, «Неверные параметры»).
 */
export function readEventParams(raw: Record<string, string>): ReadEventParams {
  const input = eventParamsFrom(raw);
  const required = requiredEventParamsSchema.safeParse(input);
  if (!required.success) return { ok: false, message: required.error.issues[0]?.message ?? "invalid parameters" };
  const params: EventParams = { ...required.data };
  const warnings: InputWarning[] = [];
  for (const field of OPTIONAL_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    const shape = eventParamsSchema.shape[field];
    const parsed = shape.safeParse(value);
    if (parsed.success) {
      Object.assign(params, { [field]: parsed.data });
      continue;
    }
    const reason = parsed.error.issues[0]?.message ?? `parameter ${field} is invalid`;
    const cleaned = CLEANERS[field]?.(value);
    const retried = cleaned ? shape.safeParse(cleaned) : undefined;
    if (retried?.success && retried.data !== undefined) {
      Object.assign(params, { [field]: retried.data });
      warnings.push({ field, action: "cleaned", message: `${reason}; used ${JSON.stringify(cleaned)} instead` });
    } else {
      warnings.push({ field, action: "ignored", message: `${reason}; the event was stored without it` });
    }
  }
  return { ok: true, params, warnings };
}

/** Empty parameters count as absent, and the guide's upper-case DATE stands for date. */
export function eventParamsFrom(raw: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) if (value !== "") params[key === "DATE" ? "date" : key] = value;
  if (raw.date) params.date = raw.date;
  return params;
}
