"use server";

import { crmErrorMessage } from "@/lib/accounts/crm-messages";
import { ExtensionTakenError, pushExtensions, refreshUsers, saveExtension } from "@/lib/accounts/users";
import { fieldErrorsOf, type ActionResult } from "@/lib/actions/result";
import { sessionAccountId } from "@/lib/auth/session";
import { RetailCrmError } from "@/lib/retailcrm/errors";
import { saveExtensionSchema, type SaveExtensionInput } from "@/lib/validations/extension";

const signedOut = { ok: false, error: "Сессия истекла: войдите снова" } as const;

export async function saveExtensionAction(input: SaveExtensionInput): Promise<ActionResult> {
  const accountId = await sessionAccountId();
  if (!accountId) return signedOut;
  const parsed = saveExtensionSchema.safeParse(input);
  if (!parsed.success) return { ok: false, error: "Проверьте номер", fieldErrors: fieldErrorsOf(parsed.error.issues) };
  try {
    await saveExtension(accountId, parsed.data.crmUserId, parsed.data.extension);
    return { ok: true, message: "Сохранено" };
  } catch (error) {
    if (error instanceof ExtensionTakenError)
      return { ok: false, error: error.message, fieldErrors: { extension: error.message } };
    return { ok: false, error: (error as Error).message };
  }
}

export async function refreshUsersAction(): Promise<ActionResult> {
  const accountId = await sessionAccountId();
  if (!accountId) return signedOut;
  try {
    const count = await refreshUsers(accountId);
    return { ok: true, message: `Список обновлён: ${count} сотрудников` };
  } catch (error) {
    return { ok: false, error: crmErrorMessage(error) };
  }
}

export async function pushExtensionsAction(): Promise<ActionResult<{ unknownUserIds: number[] }>> {
  const accountId = await sessionAccountId();
  if (!accountId) return signedOut;
  try {
    const unknownUserIds = await pushExtensions(accountId);
    return unknownUserIds.length
      ? {
          ok: true,
          message: `Настройки сохранены в CRM, но CRM не знает сотрудников с ID: ${unknownUserIds.join(", ")}`,
          data: { unknownUserIds },
        }
      : { ok: true, message: "Настройки сохранены в CRM", data: { unknownUserIds } };
  } catch (error) {
    return {
      ok: false,
      error: error instanceof RetailCrmError ? crmErrorMessage(error) : "Не удалось сохранить настройки в CRM",
    };
  }
}
