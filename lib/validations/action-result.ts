import { translator } from "@/lib/i18n/server";
import { validationText } from "@/lib/i18n/validation";

/**
 * What a cabinet action answers: done (with a message in the admin's language), or refused with a
 * message for the whole form and, by field name, one for each field at fault.
 */
export type ActionResult<T = undefined> =
  { ok: true; message?: string; data?: T } | { ok: false; formError: string; fieldErrors?: Record<string, string> };

/**
 * The first problem of each field, in the admin's language (schemas name their messages by key).
 * Fields are named by their dotted path, as react-hook-form names them (`numbers.0.phone`).
 */
export async function fieldErrorsOf(
  issues: { path: PropertyKey[]; message: string }[],
): Promise<Record<string, string>> {
  const t = await translator();
  const errors: Record<string, string> = {};
  for (const issue of issues)
    errors[issue.path.length ? issue.path.map(String).join(".") : "form"] ??= validationText(t, issue.message);
  return errors;
}
