import { decryptSecret, encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { amiErrorMessage, checkAmiAccess } from "@/lib/asterisk/ami/check";
import { log } from "@/lib/log";
import {
  asteriskSettingsSchema,
  parseCountries,
  splitOutgoing,
  type AsteriskSettingsInput,
} from "@/lib/validations/asterisk-settings";
import { forgetRecentAccounts } from "./recent";

/** What the form shows: everything but the password, which never leaves the server. */
export async function loadAsteriskSettings(accountId: string) {
  const s = await db().asteriskSettings.upsert({ where: { accountId }, create: { accountId }, update: {} });
  const form: AsteriskSettingsInput = {
    callerIdPrefix: s.callerIdPrefix,
    outgoing: `${s.outgoingContext},${s.outgoingPriority}`,
    managerCallerIdName: s.managerCallerIdName,
    amiHost: s.amiHost,
    amiPort: String(s.amiPort),
    amiLogin: s.amiLogin,
    amiSecret: "",
    amiTransport: s.amiTransport,
    channelTemplate: s.channelTemplate,
    lookupBudgetMs: String(s.lookupBudgetMs),
    transliterateNames: s.transliterateNames,
    countries: s.countries.join(", "),
    sendOutEvent: s.sendOutEvent,
    pauseQueueWhenAway: s.pauseQueueWhenAway,
  };
  return { form, hasSecret: s.amiSecretEnc !== null };
}

export type SettingsOutcome = { ok: true } | { ok: false; error: string; fieldErrors?: Record<string, string> };

async function resolveSecret(accountId: string, typed: string): Promise<string | null> {
  if (typed) return typed;
  const stored = await db().asteriskSettings.findUnique({ where: { accountId }, select: { amiSecretEnc: true } });
  return stored?.amiSecretEnc ? decryptSecret(stored.amiSecretEnc) : null;
}

/** «Проверить подключение» and the first half of saving: log in to AMI, Ping, log off. */
export async function testAmi(accountId: string, input: AsteriskSettingsInput): Promise<SettingsOutcome> {
  const parsed = asteriskSettingsSchema.safeParse(input);
  if (!parsed.success)
    return {
      ok: false,
      error: "Проверьте поля формы",
      fieldErrors: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])),
    };
  const secret = await resolveSecret(accountId, parsed.data.amiSecret);
  if (!secret)
    return {
      ok: false,
      error: "Укажите пароль пользователя AMI",
      fieldErrors: { amiSecret: "Укажите пароль пользователя AMI" },
    };
  try {
    await checkAmiAccess(parsed.data.amiTransport, {
      host: parsed.data.amiHost,
      port: Number(parsed.data.amiPort),
      username: parsed.data.amiLogin,
      secret,
      timeoutMs: env().AMI_TIMEOUT_MS,
      allowPrivate: env().ALLOW_PRIVATE_NETWORKS,
    });
    return { ok: true };
  } catch (error) {
    log.info(
      { accountId, host: parsed.data.amiHost, port: parsed.data.amiPort, err: error },
      "AMI access check failed",
    );
    return { ok: false, error: amiErrorMessage(error) };
  }
}

/** «Сохранить настройки»: saves only after the AMI access check passed; an empty password keeps the stored one. */
export async function saveAsteriskSettings(accountId: string, input: AsteriskSettingsInput): Promise<SettingsOutcome> {
  const tested = await testAmi(accountId, input);
  if (!tested.ok) return tested;
  const data = asteriskSettingsSchema.parse(input);
  const { context, priority } = splitOutgoing(data.outgoing);
  const values = {
    callerIdPrefix: data.callerIdPrefix,
    outgoingContext: context,
    outgoingPriority: priority,
    managerCallerIdName: data.managerCallerIdName,
    amiHost: data.amiHost,
    amiPort: Number(data.amiPort),
    amiLogin: data.amiLogin,
    amiTransport: data.amiTransport,
    channelTemplate: data.channelTemplate,
    lookupBudgetMs: Number(data.lookupBudgetMs),
    transliterateNames: data.transliterateNames,
    countries: parseCountries(data.countries),
    sendOutEvent: data.sendOutEvent,
    pauseQueueWhenAway: data.pauseQueueWhenAway,
    ...(data.amiSecret ? { amiSecretEnc: encryptSecret(data.amiSecret) } : {}),
  };
  await db().asteriskSettings.upsert({ where: { accountId }, create: { accountId, ...values }, update: values });
  forgetRecentAccounts();
  log.info({ accountId }, "Asterisk settings saved");
  return { ok: true };
}
