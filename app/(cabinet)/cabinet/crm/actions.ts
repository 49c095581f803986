"use server";

import { crmErrorMessage } from "@/lib/accounts/crm-messages";
import type { ActionResult } from "@/lib/actions/result";
import { sessionAccountId } from "@/lib/auth/session";
import { saveCrmOptions } from "@/lib/crm-options";
import { saveStoreNumbers, storeNumbersSchema, type StoreNumber } from "@/lib/sites";
import type { CrmOptionsInput } from "@/lib/validations/crm-options";

const signedOut = { ok: false, error: "Сессия истекла: войдите снова" } as const;

export async function saveCrmOptionsAction(input: CrmOptionsInput): Promise<ActionResult> {
  const accountId = await sessionAccountId();
  return accountId ? saveCrmOptions(accountId, input) : signedOut;
}

export async function saveStoreNumbersAction(input: StoreNumber[]): Promise<ActionResult> {
  const accountId = await sessionAccountId();
  if (!accountId) return signedOut;
  const parsed = storeNumbersSchema.safeParse(input);
  if (!parsed.success)
    return {
      ok: false,
      error: parsed.error.issues[0]?.message ?? "Проверьте номера",
      fieldErrors: Object.fromEntries(parsed.error.issues.map((issue) => [issue.path.join("."), issue.message])),
    };
  try {
    const unknown = await saveStoreNumbers(accountId, parsed.data);
    return unknown.length > 0
      ? { ok: true, message: `Номера сохранены, но CRM не знает магазинов: ${unknown.join(", ")}` }
      : { ok: true, message: "Номера сохранены и переданы в CRM" };
  } catch (error) {
    return { ok: false, error: `Номера не сохранены: ${crmErrorMessage(error)}` };
  }
}
