import { fieldErrorsOf, type ActionResult } from "@/lib/validations/action-result";
import { db } from "@/lib/db/client";
import { DEFAULT_LOCALE, isLocale, type Locale } from "@/lib/i18n/config";
import { requestLocale, translator } from "@/lib/i18n/server";
import { log } from "@/lib/log";
import { recordingSettingsSchema, type RecordingSettingsInput } from "@/lib/validations/recording-settings";

export const DEFAULT_RETENTION_DAYS = 365;

export interface RecordingSettingsOf {
  format: "MP3" | "WAV";
  /** Null: kept always. */
  retentionDays: number | null;
  /** The language a deleted recording's link answers in. */
  locale: Locale;
}

/** How the account keeps its recordings: its saved choice, else MP3 for 365 days. */
export async function recordingSettingsOf(accountId: string): Promise<RecordingSettingsOf> {
  const saved = await db().recordingSettings.findUnique({ where: { accountId } });
  if (!saved) return { format: "MP3", retentionDays: DEFAULT_RETENTION_DAYS, locale: DEFAULT_LOCALE };
  return {
    format: saved.format,
    retentionDays: saved.retentionDays,
    locale: isLocale(saved.locale) ? saved.locale : DEFAULT_LOCALE,
  };
}

/** The form's values. */
export async function loadRecordingSettings(accountId: string): Promise<RecordingSettingsInput> {
  const { format, retentionDays } = await recordingSettingsOf(accountId);
  return {
    format,
    retention: retentionDays === null ? "always" : (String(retentionDays) as RecordingSettingsInput["retention"]),
  };
}

/**
 * Saves how the account keeps its recordings. The format applies to uploads from now on; the
 * period to every recording the account keeps, at the next round of retention.
 */
export async function saveRecordingSettings(accountId: string, input: RecordingSettingsInput): Promise<ActionResult> {
  const t = await translator("asterisk.recordings");
  const parsed = recordingSettingsSchema.safeParse(input);
  if (!parsed.success)
    return { ok: false, formError: t("checkFields"), fieldErrors: await fieldErrorsOf(parsed.error.issues) };
  const data = {
    format: parsed.data.format,
    retentionDays: parsed.data.retention === "always" ? null : Number(parsed.data.retention),
    // A deleted recording's link speaks the language of the admin who chose the period.
    locale: await requestLocale(),
  };
  await db().recordingSettings.upsert({ where: { accountId }, create: { accountId, ...data }, update: data });
  log.info({ accountId, format: data.format, retentionDays: data.retentionDays }, "recording settings saved");
  return { ok: true, message: t("saved") };
}
