import { z } from "zod";

/** An engine's base URL as the admin types it: http(s), up to and including /v1. */
const baseUrl = z
  .string()
  .trim()
  .max(500, "transcripts.validation.url")
  .refine((v) => {
    try {
      return ["http:", "https:"].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, "transcripts.validation.url");

const name = (max: number) => z.string().trim().max(max, "transcripts.validation.tooLong");

/**
 * «Расшифровка звонков» (docs/transcripts.md, «Cabinet»); messages are keys (validationText). A key
 * left empty keeps the one stored; mask phrases come one per line.
 */
export const transcriptSettingsSchema = z.object({
  enabled: z.boolean(),
  engine: z.enum(["OPENAI", "SPEECHKIT", "LOCAL"], "transcripts.validation.engine"),
  openAiUrl: baseUrl,
  openAiKey: name(500),
  openAiModel: name(100).pipe(z.string().min(1, "transcripts.validation.model")),
  speechKitKey: name(500),
  speechKitFolder: name(100),
  summaryEnabled: z.boolean(),
  summaryUrl: baseUrl,
  summaryKey: name(500),
  summaryModel: name(100).pipe(z.string().min(1, "transcripts.validation.model")),
  summaryPrompt: name(4000),
  maskPhrases: name(4000),
  monthlyMinutes: z
    .string()
    .trim()
    .regex(/^\d{1,6}$/, "transcripts.validation.minutes"),
});
export type TranscriptSettingsForm = z.infer<typeof transcriptSettingsSchema>;
