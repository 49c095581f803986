import { z } from "zod";

/** «Хранить записи»: the choices, in days; "always" keeps them (docs/recordings.md). */
export const RETENTION_CHOICES = ["30", "90", "180", "365", "always"] as const;

/** The cabinet's form «Записи разговоров»; messages are keys (validationText). */
export const recordingSettingsSchema = z.object({
  format: z.enum(["MP3", "WAV"], "asterisk.recordings.validation.format"),
  retention: z.enum(RETENTION_CHOICES, "asterisk.recordings.validation.retention"),
});
export type RecordingSettingsInput = z.infer<typeof recordingSettingsSchema>;
