import { translator } from "@/lib/i18n/server";
import { validationText } from "@/lib/i18n/validation";

export type ActionResult<T = undefined> =
  { ok: true; message?: string; data?: T } | { ok: false; error: string; fieldErrors?: Record<string, string> };

/** The first problem of each field, in the admin's language (schemas name their messages by key). */
export async function fieldErrorsOf(
  issues: { path: PropertyKey[]; message: string }[],
): Promise<Record<string, string>> {
  const t = await translator();
  const errors: Record<string, string> = {};
  for (const issue of issues) errors[String(issue.path[0] ?? "form")] ??= validationText(t, issue.message);
  return errors;
}
