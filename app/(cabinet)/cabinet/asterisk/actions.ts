"use server";

import { saveAsteriskSettings, testAmi, type SettingsOutcome } from "@/lib/accounts/asterisk-settings";
import { sessionAccountId } from "@/lib/auth/session";
import { translator } from "@/lib/i18n/server";
import type { AsteriskSettingsInput } from "@/lib/validations/asterisk-settings";

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
