"use server";

import { saveAsteriskSettings, testAmi, type SettingsOutcome } from "@/lib/accounts";
import type { ActionResult } from "@/lib/actions";
import { sessionAccountId } from "@/lib/auth";
import { translator } from "@/lib/i18n/server";
import { saveRecordingSettings } from "@/lib/recordings";
import type { AsteriskSettingsInput } from "@/lib/validations/asterisk-settings";
import type { RecordingSettingsInput } from "@/lib/validations/recording-settings";

async function signedOut(): Promise<SettingsOutcome> {
  return { ok: false, error: (await translator("common"))("sessionExpired") };
}

export async function saveAsteriskSettingsAction(input: AsteriskSettingsInput): Promise<SettingsOutcome> {
  const accountId = await sessionAccountId();
  return accountId ? saveAsteriskSettings(accountId, input) : signedOut();
}

export async function testAmiAction(input: AsteriskSettingsInput): Promise<SettingsOutcome> {
  const accountId = await sessionAccountId();
  return accountId ? testAmi(accountId, input) : signedOut();
}

/** «Записи разговоров»: how the account keeps its recordings (docs/recordings.md). */
export async function saveRecordingSettingsAction(input: RecordingSettingsInput): Promise<ActionResult> {
  const accountId = await sessionAccountId();
  return accountId ? saveRecordingSettings(accountId, input) : signedOut();
}
