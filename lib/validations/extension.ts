import { z } from "zod";

/** «Внутренний добавочный номер»: digits only; empty clears the mapping. */
export const extensionSchema = z
  .string()
  .trim()
  .regex(/^\d{0,10}$/, "validation.extensionDigits")
  .transform((v) => (v === "" ? null : v));

export const saveExtensionSchema = z.object({
  crmUserId: z.number().int().positive(),
  extension: extensionSchema,
});

export type SaveExtensionInput = z.input<typeof saveExtensionSchema>;
export type SaveExtensionValues = z.output<typeof saveExtensionSchema>;
