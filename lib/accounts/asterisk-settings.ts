import { decryptSecret, encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { amiErrorMessage, checkAmiAccess, missingEventRights } from "@/lib/asterisk/ami/check";
import { fieldErrorsOf, type ActionResult } from "@/lib/validations/action-result";
import { requestLocale, translator } from "@/lib/i18n/server";
import { log } from "@/lib/log";
import { announceAccountChange } from "@/lib/cache/changes";
import { databaseKnowsZone } from "./crm-time-zone";
import {
  asteriskSettingsSchema,
  parseContexts,
  parseCountries,
  splitOutgoing,
  type AsteriskSettingsInput,
} from "@/lib/validations/asterisk-settings";

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
    pbxTimeZone: s.pbxTimeZone,
    lookupBudgetMs: String(s.lookupBudgetMs),
    transliterateNames: s.transliterateNames,
    countries: s.countries.join(", "),
    sendOutEvent: s.sendOutEvent,
    pauseQueueWhenAway: s.pauseQueueWhenAway,
    eventSource: s.eventSource,
    inboundContexts: (s.inboundContexts ?? []).join(", "),
    outboundContexts: s.outboundContexts.join(", "),
    amiEventsPort: String(s.amiEventsPort),
    amiCallerName: s.amiCallerName,
    amiRouting: s.amiRouting,
    routingContext: s.routingContext,
    routingAnswerSeconds: String(s.routingAnswerSeconds),
    routingFallback: s.routingFallback,
  };
  return { form, hasSecret: s.amiSecretEnc !== null };
}

/**
 * The password to log in with: the one typed, or the stored one, but the stored one only for
 * the server and user it was entered for. Sent anywhere else it would hand the PBX's password to
 * whoever typed the new address (docs/security.md, «Пароль AMI»). The events port counts in every
 * mode: saved while the dialplan reports calls, it is dialled once AMI does.
 */
async function resolveSecret(
  accountId: string,
  input: AsteriskSettingsInput & { amiSecret: string },
): Promise<{ secret: string } | { missing: string }> {
  if (input.amiSecret) return { secret: input.amiSecret };
  const t = await translator("asterisk.secret");
  const stored = await db().asteriskSettings.findUnique({ where: { accountId } });
  if (!stored?.amiSecretEnc) return { missing: t("needed") };
  const sameTarget =
    stored.amiHost === input.amiHost &&
    stored.amiPort === Number(input.amiPort) &&
    stored.amiLogin === input.amiLogin &&
    stored.amiTransport === input.amiTransport &&
    stored.amiEventsPort === Number(input.amiEventsPort);
  return sameTarget ? { secret: decryptSecret(stored.amiSecretEnc) } : { missing: t("retype") };
}

/** «Проверить подключение» and the first half of saving: log in to AMI, Ping, log off. */
export async function testAmi(accountId: string, input: AsteriskSettingsInput): Promise<ActionResult> {
  const parsed = asteriskSettingsSchema.safeParse(input);
  if (!parsed.success)
    return {
      ok: false,
      formError: (await translator("asterisk"))("checkFields"),
      fieldErrors: await fieldErrorsOf(parsed.error.issues),
    };
  if (!(await databaseKnowsZone(parsed.data.pbxTimeZone))) {
    const t = await translator("asterisk");
    return { ok: false, formError: t("checkFields"), fieldErrors: { pbxTimeZone: t("validation.timeZone") } };
  }
  const resolved = await resolveSecret(accountId, parsed.data);
  if ("missing" in resolved)
    return { ok: false, formError: resolved.missing, fieldErrors: { amiSecret: resolved.missing } };
  const { secret } = resolved;
  const endpoint = {
    host: parsed.data.amiHost,
    port: Number(parsed.data.amiPort),
    username: parsed.data.amiLogin,
    secret,
    timeoutMs: env().AMI_TIMEOUT_MS,
    allowPrivate: env().ALLOW_PRIVATE_NETWORKS,
  };
  try {
    await checkAmiAccess(parsed.data.amiTransport, endpoint);
    // Call events come over TCP, whatever carries click-to-call: that port must let the user in too.
    const eventsPort = Number(parsed.data.amiEventsPort);
    if (parsed.data.eventSource === "DIALPLAN") return { ok: true };
    if (!(parsed.data.amiTransport === "TCP" && eventsPort === endpoint.port))
      await checkAmiAccess("TCP", { ...endpoint, port: eventsPort });
    // Rights are granted at login and AMI mode needs more than click-to-call (docs/ami-events.md),
    // naming and routing callers more again (docs/ami-routing.md).
    const routing = parsed.data.amiCallerName || parsed.data.amiRouting;
    const missing = await missingEventRights({ ...endpoint, port: eventsPort }, { call: routing });
    if (missing.length === 0) return { ok: true };
    const t = await translator("asterisk");
    return {
      ok: false,
      formError: t("rights.missing", {
        missing: missing.map((right) => t(`rights.${right}`)).join("; "),
        write: routing ? "originate,agent,reporting,call" : "originate,agent,reporting",
      }),
    };
  } catch (error) {
    log.info(
      { accountId, host: parsed.data.amiHost, port: parsed.data.amiPort, err: error },
      "AMI access check failed",
    );
    return { ok: false, formError: amiErrorMessage(error, await requestLocale()) };
  }
}

/** «Сохранить настройки»: saves only after the AMI access check passed; an empty password keeps the stored one. */
export async function saveAsteriskSettings(accountId: string, input: AsteriskSettingsInput): Promise<ActionResult> {
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
    pbxTimeZone: data.pbxTimeZone,
    lookupBudgetMs: Number(data.lookupBudgetMs),
    transliterateNames: data.transliterateNames,
    countries: parseCountries(data.countries),
    sendOutEvent: data.sendOutEvent,
    pauseQueueWhenAway: data.pauseQueueWhenAway,
    eventSource: data.eventSource,
    inboundContexts: parseContexts(data.inboundContexts),
    outboundContexts: parseContexts(data.outboundContexts),
    amiEventsPort: Number(data.amiEventsPort),
    amiCallerName: data.amiCallerName,
    amiRouting: data.amiRouting,
    routingContext: data.routingContext,
    routingAnswerSeconds: Number(data.routingAnswerSeconds),
    routingFallback: data.routingFallback,
    ...(data.amiSecret ? { amiSecretEnc: encryptSecret(data.amiSecret) } : {}),
  };
  await db().asteriskSettings.upsert({ where: { accountId }, create: { accountId, ...values }, update: values });
  // When events began to come from AMI: older CDR lines owe no call-back task (docs/ami-events.md).
  await db().$executeRaw`UPDATE "asterisk_settings" SET "amiEventsSince" = CASE WHEN "eventSource" = 'DIALPLAN'
    THEN NULL ELSE COALESCE("amiEventsSince", now()) END WHERE "accountId" = ${accountId}::uuid`;
  await announceAccountChange(accountId);
  log.info({ accountId }, "Asterisk settings saved");
  return { ok: true };
}
