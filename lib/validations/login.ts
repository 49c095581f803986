import { z } from "zod";
import { CRM_URL_HINT, normalizeCrmUrl } from "@/lib/retailcrm/crm-url";

/** «Адрес CRM» + «API ключ сервиса» (docs/cabinet.md): the login form and the sign-in provider both use it. */
export const loginSchema = z.object({
  crmUrl: z
    .string()
    .trim()
    .min(1, "Укажите адрес CRM")
    .max(255, CRM_URL_HINT)
    .refine((v) => normalizeCrmUrl(v) !== null, CRM_URL_HINT),
  apiKey: z.string().trim().min(1, "Укажите API ключ").max(200, "API ключ слишком длинный"),
});

export type LoginInput = z.infer<typeof loginSchema>;
