import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { EngineError, type Segment, type SpeechEngine, type SpeechLanguage } from "./engine";
import { endpoint, engineJson, engineText, type HttpOptions } from "./http";

/** The admin's SpeechKit account (docs/transcripts.md, «Yandex SpeechKit»). */
export interface SpeechKitSettings {
  apiKey: string;
  folderId: string;
}

export interface SpeechKitOptions extends HttpOptions {
  /** https://stt.api.cloud.yandex.net: recognizeFileAsync and getRecognition. */
  sttUrl: string;
  /** https://operation.api.cloud.yandex.net: the operation's state. */
  operationUrl: string;
  /** The first pause between polls; each next one is 1.5 times longer, up to 10 s. */
  pollMs: number;
  /** How long the recognition may take before it counts as a temporary failure. */
  maxWaitMs: number;
}

const operationSchema = z.object({
  id: z.string(),
  done: z.boolean().optional(),
  error: z.object({ code: z.number().optional(), message: z.string().optional() }).optional(),
});

/** int64 fields come as strings in the REST mapping. */
const int64 = z.union([z.string(), z.number()]).transform(Number);

const alternativeSchema = z.object({ text: z.string(), startTimeMs: int64.optional(), endTimeMs: int64.optional() });
const resultSchema = z.object({
  final: z.object({ alternatives: z.array(alternativeSchema), channelTag: z.string().optional() }).optional(),
});

const LANGUAGE_CODES = { ru: "ru-RU", en: "en-US" } as const;

/** gRPC status codes SpeechKit reports in a failed operation that mean "try again later". */
const TEMPORARY_CODES = new Set([4, 8, 13, 14]);

/**
 * The lines of getRecognition's answer, a stream of StreamingResponse objects: each is either the
 * response or `{"result": response}`, one per line. Only `final` results are kept, in order.
 */
export function parseRecognition(text: string): Segment[] {
  const segments: Segment[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new EngineError(`getRecognition answered a line that is not JSON: ${line.slice(0, 200)}`, false);
    }
    const wrapped = (value as { result?: unknown }).result ?? value;
    const parsed = resultSchema.safeParse(wrapped);
    const best = parsed.success ? parsed.data.final?.alternatives[0] : undefined;
    if (best?.text.trim())
      segments.push({ startMs: best.startTimeMs ?? 0, endMs: best.endTimeMs ?? 0, text: best.text.trim() });
  }
  return segments;
}

/** A recognition operation that ended in an error (its gRPC code says whether to try again). */
class OperationFailed extends EngineError {}

/**
 * SpeechKit's asynchronous recognition, API v3 over REST: POST /stt/v3/recognizeFileAsync with the
 * WAV inline (`content`, base64), then GET /operations/{id} until it is done, then GET
 * /stt/v3/getRecognition?operationId=. The key goes as `Authorization: Api-Key`, the folder as
 * `x-folder-id`. API v2 is not used: it reads audio only from an Object Storage bucket. An
 * operation started by an earlier try (`resume`) is polled again instead of sending the audio.
 */
export function speechKitEngine(settings: SpeechKitSettings, options: SpeechKitOptions): SpeechEngine {
  const headers = { authorization: `Api-Key ${settings.apiKey}`, "x-folder-id": settings.folderId };

  const start = async (wav: Buffer, language: SpeechLanguage, signal?: AbortSignal) => {
    const started = operationSchema.safeParse(
      await engineJson(
        endpoint(options.sttUrl, "stt/v3/recognizeFileAsync"),
        {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({
            content: wav.toString("base64"),
            recognitionModel: {
              model: "general",
              audioFormat: { containerAudio: { containerAudioType: "WAV" } },
              languageRestriction: { restrictionType: "WHITELIST", languageCode: [LANGUAGE_CODES[language]] },
            },
          }),
        },
        options,
        signal,
      ),
    );
    if (!started.success) throw new EngineError("recognizeFileAsync answered no operation id", false);
    return started.data;
  };

  /** Polls the operation until it is done, then reads what it heard. */
  const finish = async (id: string, done: boolean, signal?: AbortSignal) => {
    const deadline = Date.now() + options.maxWaitMs;
    let pause = options.pollMs;
    while (!done) {
      if (Date.now() > deadline) throw new EngineError(`operation ${id} not done after ${options.maxWaitMs} ms`, true);
      await sleep(pause, undefined, { signal });
      pause = Math.min(pause * 1.5, 10_000);
      const state = operationSchema.safeParse(
        await engineJson(
          endpoint(options.operationUrl, `operations/${encodeURIComponent(id)}`),
          { headers },
          options,
          signal,
        ),
      );
      if (!state.success) throw new EngineError(`operation ${id}: an answer that is no operation`, false);
      if (state.data.error) {
        const code = state.data.error.code ?? 2;
        throw new OperationFailed(
          `operation ${id} failed: ${state.data.error.message ?? `code ${code}`}`,
          TEMPORARY_CODES.has(code),
        );
      }
      done = state.data.done === true;
    }
    return parseRecognition(
      await engineText(
        endpoint(options.sttUrl, `stt/v3/getRecognition?operationId=${encodeURIComponent(id)}`),
        { headers },
        options,
        signal,
      ),
    );
  };

  return {
    async recognise(wav, language, signal, resume = {}) {
      if (resume.operation) {
        try {
          return await finish(resume.operation, false, signal);
        } catch (error) {
          // An operation SpeechKit no longer knows or that failed is dead: the audio goes again.
          const gone = error instanceof OperationFailed || (error instanceof EngineError && error.status === 404);
          if (!gone) throw error;
        }
      }
      const operation = await start(wav, language, signal);
      await resume.started?.(operation.id);
      return finish(operation.id, operation.done === true, signal);
    },
  };
}
