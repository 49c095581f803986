import { z } from "zod";

/** An entry's digits, and whether it is a prefix (written with a trailing "*"). */
function digitsOf(pattern: string): { digits: string; prefix: boolean } {
  return { digits: pattern.replace(/\D/g, ""), prefix: pattern.trim().endsWith("*") };
}

/**
 * «Номера без карточки» (docs/crm-features.md): numbers, and prefixes written internationally with
 * a trailing "*", whose calls go nowhere in the CRM. Shared by the form and its server action;
 * messages are keys.
 */
export const ignoreListSchema = z.object({
  numbers: z
    .array(
      z.object({
        pattern: z
          .string()
          .trim()
          .regex(/^\+?[0-9 ()-]+\*?$/, { message: "crm.ignore.validation.format", abort: true })
          .refine((v) => !digitsOf(v).prefix || v.startsWith("+"), {
            message: "crm.ignore.validation.prefixPlus",
            abort: true,
          })
          .refine((v) => digitsOf(v).digits.length >= (digitsOf(v).prefix ? 2 : 5), "crm.ignore.validation.tooShort")
          .refine((v) => digitsOf(v).digits.length <= 15, "crm.ignore.validation.tooLong"),
      }),
    )
    .max(500, "crm.ignore.validation.tooMany")
    .superRefine((rows, ctx) => {
      const seen = new Set<string>();
      rows.forEach((row, i) => {
        const { digits, prefix } = digitsOf(row.pattern);
        // Numbers are one number by their last ten digits, as the calls are matched.
        const key = prefix ? `+${digits}*` : digits.slice(-10);
        if (seen.has(key))
          ctx.addIssue({ code: "custom", path: [i, "pattern"], message: "crm.ignore.validation.duplicate" });
        seen.add(key);
      });
    }),
  hidden: z.boolean(),
});

export type IgnoreListInput = z.infer<typeof ignoreListSchema>;

/** An entry as stored: a number's digits with its "+" when written with one; a prefix as "+digits*". */
export function canonicalPattern(pattern: string): string {
  const { digits, prefix } = digitsOf(pattern);
  if (prefix) return `+${digits}*`;
  return pattern.trim().startsWith("+") ? `+${digits}` : digits;
}
