"use server";

import { crmErrorMessage } from "@/lib/accounts";
import type { ActionResult } from "@/lib/actions";
import { sessionAccountId } from "@/lib/auth";
import { saveCrmOptions } from "@/lib/crm-options";
import { translator } from "@/lib/i18n/server";
import { validationText } from "@/lib/i18n/validation";
import { saveStoreNumbers, storeNumbersSchema, type StoreNumber } from "@/lib/sites";
import type { CrmOptionsInput } from "@/lib/validations/crm-options";

async function signedOut(): Promise<ActionResult> {
  return { ok: false, error: (await translator("common"))("sessionExpired") };
}

export async function saveCrmOptionsAction(input: CrmOptionsInput): Promise<ActionResult> {
  const accountId = await sessionAccountId();
  return accountId ? saveCrmOptions(accountId, input) : signedOut();
}

export async function saveStoreNumbersAction(input: StoreNumber[]): Promise<ActionResult> {
  const accountId = await sessionAccountId();
  if (!accountId) return signedOut();
  const t = await translator();
  const parsed = storeNumbersSchema.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0]?.message;
    return {
      ok: false,
      error: first ? validationText(t, first) : t("crm.stores.checkNumbers"),
      fieldErrors: Object.fromEntries(
        parsed.error.issues.map((issue) => [issue.path.join("."), validationText(t, issue.message)]),
      ),
    };
  }
  try {
    const unknown = await saveStoreNumbers(accountId, parsed.data);
    return unknown.length > 0
      ? { ok: true, message: t("crm.stores.savedUnknownSites", { codes: unknown.join(", ") }) }
      : { ok: true, message: t("crm.stores.savedAndSent") };
  } catch (error) {
    return { ok: false, error: t("crm.stores.notSaved", { reason: await crmErrorMessage(error) }) };
  }
}
