import { z } from "zod";

const clientId = z.string({ error: "parameter clientId is required" }).min(1, "parameter clientId is required").max(128, "parameter clientId is too long");

/** GET /api/manager?clientId=&phone=&type=json|text (guide 2.2.1). */
export const managerQuerySchema = z.object({
  clientId,
  phone: z
    .string({ error: "parameter phone is required" })
    .trim()
    .min(1, "parameter phone is required")
    .max(64, "parameter phone is too long")
    .regex(/^[0-9+()\-.\s*#a-zA-Z:@_]*$/, "parameter phone has characters a phone number cannot have"),
  type: z.enum(["json", "text"], { error: "parameter type must be json or text" }),
});

const count = (name: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,7}$/, `parameter ${name} must be a whole number of seconds`)
    .transform(Number)
    .optional();

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
  phone: z.string().trim().max(64, "parameter phone is too long").optional(),
  code: z
    .string()
    .trim()
    .max(500, "parameter code is too long")
    .regex(/^[0-9,\s]*$/, "parameter code must be extensions (digits), comma-separated")
    .optional(),
  status: z.string().trim().max(32, "parameter status is too long").optional(),
  direct: z.enum(["in", "out"], { error: "parameter direct must be in or out" }).optional(),
  date: z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$/, "parameter date must be YYYY-MM-DD HH:MM:SS")
    .optional(),
  hold: count("hold"),
  duration: count("duration"),
  path: z
    .string()
    .trim()
    .max(2048, "parameter path is too long")
    .refine((v) => v === "" || /^(https?|ftp):\/\/\S+$/i.test(v), "parameter path must be an http, https or ftp URL")
    .optional(),
});

export type EventParams = z.infer<typeof eventParamsSchema>;

/** Empty parameters count as absent, and the guide's upper-case DATE stands for date. */
export function eventParamsFrom(raw: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) if (value !== "") params[key === "DATE" ? "date" : key] = value;
  if (raw.date) params.date = raw.date;
  return params;
}
