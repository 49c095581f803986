import { randomBytes } from "node:crypto";
import { z } from "zod";
import { EngineError, type Segment, type SpeechEngine } from "./engine";
import { endpoint, engineJson, type HttpOptions } from "./http";

/** How the admin names an OpenAI-compatible server (docs/transcripts.md, «OpenAI-compatible»). */
export interface OpenAiSettings {
  /** Up to and including `/v1`, e.g. https://api.openai.com/v1. */
  baseUrl: string;
  apiKey: string;
  model: string;
}

/** `verbose_json`: the text, and segments with their times in seconds. */
const verboseSchema = z.object({
  text: z.string(),
  segments: z.array(z.object({ start: z.number(), end: z.number(), text: z.string() })).optional(),
});

function multipart(fields: Record<string, string>, file: Buffer): { body: Buffer; contentType: string } {
  const boundary = `----bridge${randomBytes(12).toString("hex")}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="call.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * POST {baseUrl}/audio/transcriptions (OpenAI's API, which self-hosted Whisper servers copy):
 * multipart with `file`, `model`, `language` and `response_format=verbose_json` for the segments'
 * times, the key as a Bearer token. A server that gives no segments yields one segment of its text.
 */
export function openAiEngine(settings: OpenAiSettings, options: HttpOptions): SpeechEngine {
  return {
    async recognise(wav, language, signal) {
      const { body, contentType } = multipart(
        { model: settings.model, language, response_format: "verbose_json" },
        wav,
      );
      const answer = await engineJson(
        endpoint(settings.baseUrl, "audio/transcriptions"),
        { method: "POST", headers: { authorization: `Bearer ${settings.apiKey}`, "content-type": contentType }, body },
        options,
        signal,
      );
      const parsed = verboseSchema.safeParse(answer);
      if (!parsed.success) throw new EngineError("the engine's answer is not verbose_json", false);
      const segments: Segment[] = (parsed.data.segments ?? []).map((s) => ({
        startMs: Math.round(s.start * 1000),
        endMs: Math.round(s.end * 1000),
        text: s.text.trim(),
      }));
      if (segments.length === 0 && parsed.data.text.trim())
        return [{ startMs: 0, endMs: 0, text: parsed.data.text.trim() }];
      return segments.filter((s) => s.text);
    },
  };
}
