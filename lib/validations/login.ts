import { z } from "zod";
import { normalizeCrmUrl } from "@/lib/retailcrm/crm-url";

/** «Адрес CRM» + «API ключ сервиса» (docs/cabinet.md): the login form and the sign-in provider both use it. */
export const loginSchema = z.object({
  crmUrl: z
    .string()
    .trim()
    .min(1, "validation.crmUrlRequired")
    .max(255, "validation.crmUrlFormat")
    .refine((v) => normalizeCrmUrl(v) !== null, "validation.crmUrlFormat"),
  apiKey: z.string().trim().min(1, "validation.apiKeyRequired").max(200, "validation.apiKeyTooLong"),
});

export type LoginInput = z.infer<typeof loginSchema>;
