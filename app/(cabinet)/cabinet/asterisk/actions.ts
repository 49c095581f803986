"use server";

import { saveAsteriskSettings, testAmi, type SettingsOutcome } from "@/lib/accounts/asterisk-settings";
import { sessionAccountId } from "@/lib/auth/session";
import type { AsteriskSettingsInput } from "@/lib/validations/asterisk-settings";

const signedOut = { ok: false, error: "Сессия истекла: войдите снова" } as const;

export async function saveAsteriskSettingsAction(input: AsteriskSettingsInput): Promise<SettingsOutcome> {
  const accountId = await sessionAccountId();
  return accountId ? saveAsteriskSettings(accountId, input) : signedOut;
}

export async function testAmiAction(input: AsteriskSettingsInput): Promise<SettingsOutcome> {
  const accountId = await sessionAccountId();
  return accountId ? testAmi(accountId, input) : signedOut;
}
