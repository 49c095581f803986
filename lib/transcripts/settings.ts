import { db } from "@/lib/db/client";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secrets";
import { env } from "@/lib/env";
import { EngineError, type SpeechEngine } from "./engine";
import type { HttpOptions } from "./http";
import { openAiEngine } from "./openai";
import { pocketSphinxEngine } from "./pocketsphinx";
import { speechKitEngine } from "./speechkit";

/** Which engine hears an account's calls (docs/transcripts.md, «Engines»). */
export type TranscriptEngine = "OPENAI" | "SPEECHKIT" | "LOCAL";

/** An account's transcription settings as the worker uses them, keys decrypted. */
export interface TranscriptConfig {
  enabled: boolean;
  engine: TranscriptEngine;
  openAiUrl: string;
  openAiKey: string | null;
  openAiModel: string;
  speechKitKey: string | null;
  speechKitFolder: string;
  summaryEnabled: boolean;
  summaryUrl: string;
  summaryKey: string | null;
  summaryModel: string;
  summaryPrompt: string | null;
  maskPhrases: string[];
  monthlyMinutes: number;
  locale: string;
}

/** The account's settings; null when it never saved any (the feature is off). */
export async function loadTranscriptConfig(accountId: string): Promise<TranscriptConfig | null> {
  const row = await db().transcriptSettings.findUnique({ where: { accountId } });
  if (!row) return null;
  const open = (value: string | null) => (value ? decryptSecret(value) : null);
  return {
    enabled: row.enabled,
    engine: row.engine,
    openAiUrl: row.openAiUrl,
    openAiKey: open(row.openAiKeyEnc),
    openAiModel: row.openAiModel,
    speechKitKey: open(row.speechKitKeyEnc),
    speechKitFolder: row.speechKitFolder,
    summaryEnabled: row.summaryEnabled,
    summaryUrl: row.summaryUrl,
    summaryKey: open(row.summaryKeyEnc),
    summaryModel: row.summaryModel,
    summaryPrompt: row.summaryPrompt,
    maskPhrases: row.maskPhrases,
    monthlyMinutes: row.monthlyMinutes,
    locale: row.locale,
  };
}

/** How engine requests go out: the outbound guard's setting and the time limit (docs/configuration.md). */
export function httpOptions(): HttpOptions {
  const config = env();
  return { allowPrivate: config.ALLOW_PRIVATE_NETWORKS, timeoutMs: config.TRANSCRIPTION_TIMEOUT_MS };
}

/** The engine the settings name; a missing key is a permanent failure with the admin's message. */
export function engineOf(config: TranscriptConfig, missingKey: string): SpeechEngine {
  const http = httpOptions();
  if (config.engine === "LOCAL") return pocketSphinxEngine({ timeoutMs: http.timeoutMs });
  if (config.engine === "SPEECHKIT") {
    if (!config.speechKitKey) throw new EngineError(missingKey, false);
    return speechKitEngine(
      { apiKey: config.speechKitKey, folderId: config.speechKitFolder },
      {
        ...http,
        sttUrl: env().SPEECHKIT_STT_URL,
        operationUrl: env().SPEECHKIT_OPERATION_URL,
        pollMs: 1_000,
        maxWaitMs: http.timeoutMs,
      },
    );
  }
  if (!config.openAiKey) throw new EngineError(missingKey, false);
  return openAiEngine({ baseUrl: config.openAiUrl, apiKey: config.openAiKey, model: config.openAiModel }, http);
}

/** What the cabinet saves; a key left empty keeps the one stored. */
export interface TranscriptSettingsInput {
  enabled: boolean;
  engine: TranscriptEngine;
  openAiUrl: string;
  openAiKey: string;
  openAiModel: string;
  speechKitKey: string;
  speechKitFolder: string;
  summaryEnabled: boolean;
  summaryUrl: string;
  summaryKey: string;
  summaryModel: string;
  /** Empty: the default prompt of the account's language. */
  summaryPrompt: string;
  maskPhrases: string[];
  monthlyMinutes: number;
  locale: string;
}

/**
 * Saves the account's settings, keys encrypted as the CRM key is (lib/crypto). Switching on sets
 * the moment from which recordings are queued: recordings made while it was off are never sent.
 */
export async function saveTranscriptSettings(accountId: string, input: TranscriptSettingsInput): Promise<void> {
  const seal = (value: string) => (value ? { set: encryptSecret(value) } : undefined);
  const previous = await db().transcriptSettings.findUnique({ where: { accountId }, select: { enabled: true } });
  const fields = {
    enabled: input.enabled,
    engine: input.engine,
    openAiUrl: input.openAiUrl,
    openAiModel: input.openAiModel,
    speechKitFolder: input.speechKitFolder,
    summaryEnabled: input.summaryEnabled,
    summaryUrl: input.summaryUrl,
    summaryModel: input.summaryModel,
    summaryPrompt: input.summaryPrompt.trim() || null,
    maskPhrases: input.maskPhrases.map((p) => p.trim()).filter(Boolean),
    monthlyMinutes: input.monthlyMinutes,
    locale: input.locale,
    ...(input.enabled && !previous?.enabled ? { enabledAt: new Date() } : {}),
  };
  const keys = {
    openAiKeyEnc: seal(input.openAiKey),
    speechKitKeyEnc: seal(input.speechKitKey),
    summaryKeyEnc: seal(input.summaryKey),
  };
  await db().transcriptSettings.upsert({
    where: { accountId },
    create: {
      accountId,
      ...fields,
      openAiKeyEnc: keys.openAiKeyEnc?.set ?? null,
      speechKitKeyEnc: keys.speechKitKeyEnc?.set ?? null,
      summaryKeyEnc: keys.summaryKeyEnc?.set ?? null,
    },
    update: { ...fields, ...keys },
  });
}
