"use server";

import { saveAsteriskSettings, testAmi } from "@/lib/accounts";
import { cabinetAction } from "@/lib/auth";
import { translator } from "@/lib/i18n/server";
import { saveRecordingSettings } from "@/lib/recordings";
import { asteriskSettingsSchema } from "@/lib/validations/asterisk-settings";
import { recordingSettingsSchema } from "@/lib/validations/recording-settings";

export const saveAsteriskSettingsAction = cabinetAction(
  { name: "save Asterisk settings", schema: asteriskSettingsSchema, invalid: "asterisk.checkFields" },
  async (input, { accountId }) => {
    const saved = await saveAsteriskSettings(accountId, input);
    return saved.ok ? { ok: true, message: (await translator("asterisk"))("saved") } : saved;
  },
);

export const testAmiAction = cabinetAction(
  { name: "test AMI", schema: asteriskSettingsSchema, invalid: "asterisk.checkFields" },
  async (input, { accountId }) => {
    const tested = await testAmi(accountId, input);
    return tested.ok ? { ok: true, message: (await translator("asterisk"))("amiWorks") } : tested;
  },
);

/** «Записи разговоров»: how the account keeps its recordings (docs/recordings.md). */
export const saveRecordingSettingsAction = cabinetAction(
  { name: "save recording settings", schema: recordingSettingsSchema, invalid: "asterisk.recordings.checkFields" },
  (input, { accountId }) => saveRecordingSettings(accountId, input),
);
