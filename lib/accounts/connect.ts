import { randomBytes } from "node:crypto";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { isRefusal, Refusal } from "@/lib/http/refusal";
import { log } from "@/lib/log";
import { crmClient } from "./crm-client";
import { learnCrmTimeZone } from "./crm-time-zone";
import { crmErrorMessage } from "./crm-messages";
import { DEFAULT_LOCALE, type Locale } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";
import { normalizeCrmUrl } from "@/lib/retailcrm/crm-url";
import { newCabinetToken, syncModule } from "./module";
import { featuresOn, missingAccessMessage, missingMethods } from "./required-access";
import { announceAccountChange } from "@/lib/cache/changes";

/** Connecting failed for a reason the admin can act on; the message is in the locale asked for, shown as is. */
const connectFailed = (message: string) => new Refusal("connect_failed", message);

export function newClientId(): string {
  return randomBytes(32).toString("hex");
}

function newModuleCode(): string {
  return `${env().MODULE_CODE}-${randomBytes(4).toString("hex")}`;
}

/**
 * Manual login and marketplace registration share this: check the key with /api/credentials,
 * make sure it may call every method the module needs, register the module in the CRM, and
 * create the account (or refresh the stored key of an existing one). Returns the account. Errors
 * speak `locale`: the admin's at sign-in, Russian to retailCRM's callbacks (docs/i18n.md).
 */
export async function connectAccount(input: { crmUrl: string; apiKey: string }, locale: Locale = DEFAULT_LOCALE) {
  const t = translatorFor(locale, "validation");
  const crmUrl = normalizeCrmUrl(input.crmUrl);
  if (!crmUrl) throw connectFailed(t("crmUrlFormat"));
  const apiKey = input.apiKey.trim();
  if (!apiKey) throw connectFailed(t("apiKeyRequired"));

  const client = crmClient({ crmUrl, apiKey });
  try {
    const existing = await db().account.findUnique({
      where: { crmUrl },
      include: { crmOptions: true, transcriptSettings: { select: { enabled: true } } },
    });
    // A new key must also allow what the account's options already use (docs/crm-features.md).
    const missing = missingMethods(
      await client.credentials(),
      featuresOn(existing?.crmOptions, existing?.transcriptSettings),
    );
    if (missing.length > 0) throw connectFailed(missingAccessMessage(missing, locale));

    const apiKeyEnc = encryptSecret(apiKey);
    // An address the CRM's callback moved the account to hands nobody its clientId or sessions:
    // this is the first sign-in there with a key of that CRM (docs/security.md, «Адрес CRM»).
    const renewed = existing?.crmUrlMoved ?? false;
    const identity = {
      clientId: existing && !renewed ? existing.clientId : newClientId(),
      moduleCode: existing?.moduleCode ?? newModuleCode(),
      cabinetTokenEnc:
        existing?.cabinetTokenEnc && !renewed ? existing.cabinetTokenEnc : encryptSecret(newCabinetToken()),
    };
    await syncModule({ id: existing?.id, crmUrl, apiKeyEnc, active: true, ...identity }, client);

    const account = await db().account.upsert({
      where: { crmUrl },
      create: { crmUrl, apiKeyEnc, ...identity, asterisk: { create: {} } },
      update: {
        apiKeyEnc,
        active: true,
        ...identity,
        ...(renewed ? { crmUrlMoved: false, sessionEpoch: { increment: 1 } } : {}),
      },
    });
    await learnCrmTimeZone(account.id, client);
    // The ring path must use the new API key (and see the module active) at once.
    await announceAccountChange(account.id);
    log.info({ accountId: account.id, crmUrl, created: !existing, renewed }, "account connected");
    return account;
  } catch (error) {
    if (isRefusal(error, "connect_failed")) throw error;
    log.warn({ crmUrl, err: error }, "connecting an account failed");
    throw connectFailed(await crmErrorMessage(error, locale));
  }
}
