import { featureAccessRefusal, featuresOn, listPhones, type PhoneRow } from "@/lib/accounts";
import { fieldErrorsOf, type ActionResult } from "@/lib/validations/action-result";
import { announceAccountChange } from "@/lib/cache/changes";
import { db } from "@/lib/db/client";
import { defaultTemplate } from "@/lib/callback-tasks";
import { defaultCustomerName, isDefaultCustomerName } from "@/lib/new-customers";
import { LOCALES } from "@/lib/i18n/config";
import { requestLocale, translator } from "@/lib/i18n/server";
import { log } from "@/lib/log";
import { crmOptionsSchema, type CrmOptionsInput } from "@/lib/validations/crm-options";

/**
 * «Возможности CRM» (docs/crm-features.md): what the service does in retailCRM besides telephony,
 * each off until the admin turns it on.
 */

/** The form's values and the CRM's users to choose from. */
export async function loadCrmOptions(accountId: string): Promise<{ form: CrmOptionsInput; users: PhoneRow[] }> {
  const [o, users, locale] = await Promise.all([
    db().crmOptions.upsert({ where: { accountId }, create: { accountId }, update: {} }),
    listPhones(accountId),
    requestLocale(),
  ]);
  // An untouched default is offered in the admin's language; saving it makes it theirs.
  const untouched = LOCALES.some((other) => o.missedTaskTemplate === defaultTemplate(other));
  return {
    form: {
      missedTasks: o.missedTasks,
      missedTaskWindowMinutes: String(o.missedTaskWindowMinutes),
      missedTaskDefaultUserId: o.missedTaskDefaultUserId === null ? "" : String(o.missedTaskDefaultUserId),
      missedTaskTemplate: untouched ? defaultTemplate(locale) : o.missedTaskTemplate,
      missedTasksPer10Minutes: String(o.missedTasksPer10Minutes),
      missedTasksPerDay: String(o.missedTasksPerDay),
      callBackWindowHours: String(Math.max(1, Math.round(o.callBackWindowMinutes / 60))),
      managerChain: o.managerChain,
      chainLastTalked: o.chainLastTalked,
      chainFallbackUserIds: o.chainFallbackUserIds.map(String),
      alertsEnabled: o.alertsEnabled,
      alertUserIds: o.alertUserIds.map(String),
      alertAfterMinutes: String(o.alertAfterMinutes),
      newCustomers: o.newCustomers,
      newCustomerName: isDefaultCustomerName(o.newCustomerName) ? defaultCustomerName(locale) : o.newCustomerName,
    },
    users,
  };
}

/**
 * Saves the options. Turning on tasks or alerts first checks that the API key may call their
 * methods, and names the ones it may not: the CRM would refuse every task otherwise.
 */
export async function saveCrmOptions(accountId: string, input: CrmOptionsInput): Promise<ActionResult> {
  const t = await translator("crm");
  const parsed = crmOptionsSchema.safeParse(input);
  if (!parsed.success)
    return { ok: false, formError: t("checkFields"), fieldErrors: await fieldErrorsOf(parsed.error.issues) };
  const form = parsed.data;
  const features = featuresOn(form);
  const refused = features.length > 0 ? await featureAccessRefusal(accountId, features, await requestLocale()) : null;
  if (refused) return { ok: false, formError: refused };
  const data = {
    missedTasks: form.missedTasks,
    missedTaskWindowMinutes: Number(form.missedTaskWindowMinutes),
    missedTaskDefaultUserId: form.missedTaskDefaultUserId ? Number(form.missedTaskDefaultUserId) : null,
    missedTaskTemplate: form.missedTaskTemplate,
    missedTasksPer10Minutes: Number(form.missedTasksPer10Minutes),
    missedTasksPerDay: Number(form.missedTasksPerDay),
    callBackWindowMinutes: Number(form.callBackWindowHours) * 60,
    managerChain: form.managerChain,
    chainLastTalked: form.chainLastTalked,
    chainFallbackUserIds: form.chainFallbackUserIds.map(Number),
    alertsEnabled: form.alertsEnabled,
    alertUserIds: form.alertUserIds.map(Number),
    alertAfterMinutes: Number(form.alertAfterMinutes),
    newCustomers: form.newCustomers,
    newCustomerName: form.newCustomerName,
    // Tasks and alerts are written in the language of the admin who set them up (docs/i18n.md).
    locale: await requestLocale(),
  };
  await db().crmOptions.upsert({ where: { accountId }, create: { accountId, ...data }, update: data });
  // The chain changes what callers are asked and answered: every instance forgets the account's answers.
  await announceAccountChange(accountId);
  log.info(
    {
      accountId,
      missedTasks: data.missedTasks,
      managerChain: data.managerChain,
      alerts: data.alertsEnabled,
      newCustomers: data.newCustomers,
    },
    "CRM options saved",
  );
  return { ok: true, message: t("saved") };
}
