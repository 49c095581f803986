"use server";

import { z } from "zod";
import {
  crmErrorMessage,
  ExtensionTakenError,
  pushExtensions,
  refreshUsers,
  saveExtension,
  UnknownUserError,
} from "@/lib/accounts";
import type { ActionResult } from "@/lib/validations/action-result";
import { cabinetAction } from "@/lib/auth";
import { translator } from "@/lib/i18n/server";
import { log } from "@/lib/log";
import { RetailCrmError } from "@/lib/retailcrm/errors";
import { saveExtensionSchema } from "@/lib/validations/extension";

export const saveExtensionAction = cabinetAction(
  { name: "save an extension", schema: saveExtensionSchema, invalid: "phones.checkNumber" },
  async ({ crmUserId, extension }, { accountId }): Promise<ActionResult> => {
    const t = await translator("phones");
    try {
      await saveExtension(accountId, crmUserId, extension);
      return { ok: true, message: t("saved") };
    } catch (error) {
      if (error instanceof ExtensionTakenError) {
        const message = error.owner ? t("taken", { owner: error.owner }) : t("takenByOther");
        return { ok: false, formError: message, fieldErrors: { extension: message } };
      }
      if (error instanceof UnknownUserError) return { ok: false, formError: t("unknownUser") };
      log.error({ err: error, accountId }, "saving an extension failed");
      return { ok: false, formError: t("saveFailed") };
    }
  },
);

export const refreshUsersAction = cabinetAction(
  { name: "refresh CRM users", schema: z.void() },
  async (_input, { accountId }): Promise<ActionResult> => {
    try {
      const count = await refreshUsers(accountId);
      return { ok: true, message: (await translator("phones"))("refreshed", { count }) };
    } catch (error) {
      return { ok: false, formError: await crmErrorMessage(error) };
    }
  },
);

export const pushExtensionsAction = cabinetAction(
  { name: "push extensions", schema: z.void() },
  async (_input, { accountId }): Promise<ActionResult<{ unknownUserIds: number[] }>> => {
    const t = await translator("phones");
    try {
      const unknownUserIds = await pushExtensions(accountId);
      return unknownUserIds.length
        ? { ok: true, message: t("pushedUnknown", { ids: unknownUserIds.join(", ") }), data: { unknownUserIds } }
        : { ok: true, message: t("pushed"), data: { unknownUserIds } };
    } catch (error) {
      return {
        ok: false,
        formError: error instanceof RetailCrmError ? await crmErrorMessage(error) : t("pushFailed"),
      };
    }
  },
);
