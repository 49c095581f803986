import { z } from "zod";
import { EngineError } from "./engine";
import { endpoint, engineJson, type HttpOptions } from "./http";

export interface SummarySettings {
  baseUrl: string;
  apiKey: string;
  model: string;
  prompt: string;
}

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/**
 * A few lines on the call by an OpenAI-compatible POST {baseUrl}/chat/completions: the admin's
 * prompt as the system message, the masked transcript as the user's. Only the transcript's text
 * leaves, never audio.
 */
export async function summarise(
  settings: SummarySettings,
  transcript: string,
  options: HttpOptions,
  signal?: AbortSignal,
): Promise<string> {
  const answer = completionSchema.safeParse(
    await engineJson(
      endpoint(settings.baseUrl, "chat/completions"),
      {
        method: "POST",
        headers: { authorization: `Bearer ${settings.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: settings.model,
          temperature: 0.2,
          messages: [
            { role: "system", content: settings.prompt },
            { role: "user", content: transcript },
          ],
        }),
      },
      options,
      signal,
    ),
  );
  if (!answer.success) throw new EngineError("the summary engine's answer has no choices", false);
  return (answer.data.choices[0]!.message.content ?? "").trim();
}
