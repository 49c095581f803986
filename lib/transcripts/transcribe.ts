import { DEFAULT_LOCALE, isLocale } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";
import { recordingBytes } from "@/lib/recordings";
import { decodeRecording, durationSeconds, sides } from "./audio";
import { dialogue, dialogueText, speakersOf } from "./dialogue";
import { EngineError } from "./engine";
import { maskText } from "./mask";
import { complete, keepOperations, reserveMinutes, settle, type Claimed } from "./queue";
import { engineOf, httpOptions, loadTranscriptConfig } from "./settings";
import { summarise } from "./summary";

function textsOf(locale: string) {
  return translatorFor(isLocale(locale) ? locale : DEFAULT_LOCALE, "transcripts");
}

/**
 * One queued call: its recording read and split into sides, each side sent to the account's
 * engine, the lines masked and merged, a summary asked for, and all stored with the CRM's note
 * owed (queue.ts `complete`). Nothing is sent for an account that has switched this off, or past
 * its monthly cap: the row is settled with the reason, which the journal shows. Engine failures
 * are thrown as EngineError for the caller to postpone or settle.
 */
export async function transcribe(claimed: Claimed, worker: string, signal?: AbortSignal): Promise<void> {
  const config = await loadTranscriptConfig(claimed.accountId);
  const t = textsOf(config?.locale ?? DEFAULT_LOCALE);
  if (!config?.enabled) return settle(claimed.id, worker, "SKIPPED", t("switchedOff"));
  const engine = engineOf(config, t("noEngineKey"));
  const audio = await decodeRecording(await recordingBytes(claimed.recordingId));
  const seconds = durationSeconds(audio);
  const operations = [...claimed.operations];
  // Minutes are counted when the audio is first sent; an operation taken up again sent none.
  if (operations.length === 0 && !(await reserveMinutes(claimed.accountId, seconds, config.monthlyMinutes)))
    return settle(claimed.id, worker, "SKIPPED", t("capReached", { minutes: config.monthlyMinutes }));
  const language = config.locale === "en" ? "en" : "ru";
  const heard = [];
  for (const [index, side] of sides(audio).entries())
    heard.push(
      await engine.recognise(side, language, signal, {
        operation: operations[index],
        started: async (operation) => {
          operations[index] = operation;
          await keepOperations(claimed.id, worker, operations);
        },
      }),
    );
  const lines = dialogue(heard, speakersOf(audio.channels.length, claimed.direction), config.maskPhrases);
  let summary: string | null = null;
  if (config.summaryEnabled && lines.length > 0) {
    if (!config.summaryKey) throw new EngineError(t("noEngineKey"), false);
    const said = dialogueText(lines, { manager: t("manager"), customer: t("customer") });
    summary = maskText(
      await summarise(
        {
          baseUrl: config.summaryUrl,
          apiKey: config.summaryKey,
          model: config.summaryModel,
          prompt: config.summaryPrompt ?? t("defaultPrompt"),
        },
        said,
        httpOptions(),
        signal,
      ),
      config.maskPhrases,
    );
  }
  await complete(claimed, worker, { seconds, dialogue: lines, summary });
}
