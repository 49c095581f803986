"use server";

import { cabinetAction } from "@/lib/auth";
import { saveTranscriptCabinet, testTranscriptEngine } from "@/lib/transcripts";
import { transcriptSettingsSchema } from "@/lib/validations/transcripts";

/** «Расшифровка звонков» (docs/transcripts.md). */
export const saveTranscriptSettingsAction = cabinetAction(
  { name: "save transcript settings", schema: transcriptSettingsSchema, invalid: "transcripts.form.checkFields" },
  (input, { accountId }) => saveTranscriptCabinet(accountId, input),
);

/** «Проверить»: a generated sample to the engine of the form, as the AMI check does. */
export const testTranscriptEngineAction = cabinetAction(
  { name: "test transcript engine", schema: transcriptSettingsSchema, invalid: "transcripts.form.checkFields" },
  (input, { accountId }) => testTranscriptEngine(accountId, input),
);
