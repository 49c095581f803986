"use server";

import { crmErrorMessage } from "@/lib/accounts";
import { ExtensionTakenError, pushExtensions, refreshUsers, saveExtension, UnknownUserError } from "@/lib/accounts";
import { fieldErrorsOf, type ActionResult } from "@/lib/actions";
import { sessionAccountId } from "@/lib/auth";
import { translator } from "@/lib/i18n/server";
import { log } from "@/lib/log";
import { RetailCrmError } from "@/lib/retailcrm/errors";
import { saveExtensionSchema, type SaveExtensionInput } from "@/lib/validations/extension";

async function signedOut() {
  return { ok: false, error: (await translator("common"))("sessionExpired") } as const;
}

export async function saveExtensionAction(input: SaveExtensionInput): Promise<ActionResult> {
  const accountId = await sessionAccountId();
  if (!accountId) return signedOut();
  const t = await translator("phones");
  const parsed = saveExtensionSchema.safeParse(input);
  if (!parsed.success)
    return { ok: false, error: t("checkNumber"), fieldErrors: await fieldErrorsOf(parsed.error.issues) };
  try {
    await saveExtension(accountId, parsed.data.crmUserId, parsed.data.extension);
    return { ok: true, message: t("saved") };
  } catch (error) {
    if (error instanceof ExtensionTakenError) {
      const message = error.owner ? t("taken", { owner: error.owner }) : t("takenByOther");
      return { ok: false, error: message, fieldErrors: { extension: message } };
    }
    if (error instanceof UnknownUserError) return { ok: false, error: t("unknownUser") };
    log.error({ err: error, accountId }, "saving an extension failed");
    return { ok: false, error: t("saveFailed") };
  }
}

export async function refreshUsersAction(): Promise<ActionResult> {
  const accountId = await sessionAccountId();
  if (!accountId) return signedOut();
  try {
    const count = await refreshUsers(accountId);
    return { ok: true, message: (await translator("phones"))("refreshed", { count }) };
  } catch (error) {
    return { ok: false, error: await crmErrorMessage(error) };
  }
}

export async function pushExtensionsAction(): Promise<ActionResult<{ unknownUserIds: number[] }>> {
  const accountId = await sessionAccountId();
  if (!accountId) return signedOut();
  const t = await translator("phones");
  try {
    const unknownUserIds = await pushExtensions(accountId);
    return unknownUserIds.length
      ? { ok: true, message: t("pushedUnknown", { ids: unknownUserIds.join(", ") }), data: { unknownUserIds } }
      : { ok: true, message: t("pushed"), data: { unknownUserIds } };
  } catch (error) {
    return { ok: false, error: error instanceof RetailCrmError ? await crmErrorMessage(error) : t("pushFailed") };
  }
}
