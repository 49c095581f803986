import { db } from "@/lib/db/client";
import type { Locale } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";
import { log } from "@/lib/log";
import { crmClient } from "./crm-client";
import { crmErrorMessage } from "./crm-messages";
import { missingAccessMessage, missingMethods, type Feature } from "./required-access";

/**
 * Why the account's API key may not serve these features, in the admin's language: the methods
 * it may not call, or that the check itself failed; null when it may (docs/crm-features.md).
 */
export async function featureAccessRefusal(
  accountId: string,
  features: readonly Feature[],
  locale: Locale,
): Promise<string | null> {
  const account = await db().account.findUniqueOrThrow({ where: { id: accountId } });
  try {
    const missing = missingMethods(await crmClient(account).credentials(), features);
    return missing.length > 0 ? missingAccessMessage(missing, locale) : null;
  } catch (error) {
    log.warn({ accountId, features, err: error }, "checking the key's access for CRM features failed");
    return translatorFor(locale, "crm")("accessCheckFailed", { reason: await crmErrorMessage(error, locale) });
  }
}
