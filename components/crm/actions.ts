"use server";

import { z } from "zod";
import { crmErrorMessage } from "@/lib/accounts";
import { cabinetAction } from "@/lib/auth";
import { saveCrmOptions } from "@/lib/crm-options";
import { saveIgnoreList } from "@/lib/ignore-list";
import { translator } from "@/lib/i18n/server";
import { saveStoreNumbers, storeNumbersSchema } from "@/lib/sites";
import { crmOptionsSchema } from "@/lib/validations/crm-options";
import { ignoreListSchema } from "@/lib/validations/ignore-list";

export const saveCrmOptionsAction = cabinetAction(
  { name: "save CRM options", schema: crmOptionsSchema, invalid: "crm.checkFields" },
  (input, { accountId }) => saveCrmOptions(accountId, input),
);

export const saveStoreNumbersAction = cabinetAction(
  {
    name: "save store numbers",
    // The form's own shape, so that a field's problem is named as the form names the field.
    schema: z.object({ numbers: storeNumbersSchema }),
    invalid: "crm.stores.checkNumbers",
  },
  async ({ numbers }, { accountId }) => {
    const t = await translator("crm.stores");
    try {
      const unknown = await saveStoreNumbers(accountId, numbers);
      return unknown.length > 0
        ? { ok: true, message: t("savedUnknownSites", { codes: unknown.join(", ") }) }
        : { ok: true, message: t("savedAndSent") };
    } catch (error) {
      return { ok: false, formError: t("notSaved", { reason: await crmErrorMessage(error) }) };
    }
  },
);

export const saveIgnoreListAction = cabinetAction(
  { name: "save ignore list", schema: ignoreListSchema, invalid: "crm.ignore.checkNumbers" },
  async (input, { accountId }) => {
    await saveIgnoreList(accountId, input);
    return { ok: true, message: (await translator("crm.ignore"))("saved") };
  },
);
