import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { featureAccessRefusal } from "@/lib/accounts";
import { db } from "@/lib/db/client";
import { requestLocale, translator } from "@/lib/i18n/server";
import type { ActionResult } from "@/lib/validations/action-result";
import type { TranscriptSettingsForm } from "@/lib/validations/transcripts";
import { decodeRecording, ENGINE_RATE, monoWav, sides } from "./audio";
import { EngineError } from "./engine";
import { engineOf, loadTranscriptConfig, saveTranscriptSettings, type TranscriptConfig } from "./settings";

/** The section as the cabinet shows it: the form (keys never sent back), which keys are stored, this month's use. */
export interface TranscriptCabinet {
  form: TranscriptSettingsForm;
  storedKeys: { openAi: boolean; speechKit: boolean; summary: boolean };
  usedMinutes: number;
  capReached: boolean;
  defaultPrompt: string;
}

export async function loadTranscriptCabinet(accountId: string): Promise<TranscriptCabinet> {
  const t = await translator("transcripts");
  const [row, usage] = await Promise.all([
    db().transcriptSettings.findUnique({ where: { accountId } }),
    db().$queryRawUnsafe<{ seconds: number }[]>(
      `SELECT "seconds" FROM "transcript_usage" WHERE "accountId" = $1::uuid
        AND "month" = date_trunc('month', now() AT TIME ZONE 'UTC')::date`,
      accountId,
    ),
  ]);
  const usedMinutes = Math.ceil((usage[0]?.seconds ?? 0) / 60);
  const cap = row?.monthlyMinutes ?? 600;
  return {
    form: {
      enabled: row?.enabled ?? false,
      engine: row?.engine ?? "OPENAI",
      openAiUrl: row?.openAiUrl ?? "https://api.openai.com/v1",
      openAiKey: "",
      openAiModel: row?.openAiModel ?? "whisper-1",
      speechKitKey: "",
      speechKitFolder: row?.speechKitFolder ?? "",
      summaryEnabled: row?.summaryEnabled ?? false,
      summaryUrl: row?.summaryUrl ?? "https://api.openai.com/v1",
      summaryKey: "",
      summaryModel: row?.summaryModel ?? "gpt-4o-mini",
      summaryPrompt: row?.summaryPrompt ?? "",
      maskPhrases: (row?.maskPhrases ?? []).join("\n"),
      monthlyMinutes: String(cap),
    },
    storedKeys: { openAi: !!row?.openAiKeyEnc, speechKit: !!row?.speechKitKeyEnc, summary: !!row?.summaryKeyEnc },
    usedMinutes,
    capReached: usedMinutes >= cap,
    defaultPrompt: t("defaultPrompt"),
  };
}

/**
 * Saves the section; the note's and the engine's language become the admin's. Switched on, it is
 * saved only when the key may write the notes: the CRM would refuse every one otherwise.
 */
export async function saveTranscriptCabinet(accountId: string, form: TranscriptSettingsForm): Promise<ActionResult> {
  const t = await translator("transcripts.form");
  const locale = await requestLocale();
  const refused = form.enabled ? await featureAccessRefusal(accountId, ["transcripts"], locale) : null;
  if (refused) return { ok: false, formError: refused };
  await saveTranscriptSettings(accountId, {
    ...form,
    maskPhrases: form.maskPhrases.split("\n"),
    monthlyMinutes: Number(form.monthlyMinutes),
    locale,
  });
  return { ok: true, message: t(form.enabled ? "savedOn" : "savedOff") };
}

/** A short sample to check an engine with: espeak-ng saying a phrase when it is installed, else a tone. */
async function sample(language: "ru" | "en"): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), "stt-sample-"));
  try {
    const file = path.join(dir, "sample.wav");
    const phrase = language === "en" ? "hello, I would like to order a pizza" : "здравствуйте, это проверка связи";
    await promisify(execFile)("espeak-ng", ["-v", language === "en" ? "en-us" : "ru", "-s", "140", "-w", file, phrase]);
    return sides(await decodeRecording(await readFile(file)))[0]!;
  } catch {
    const tone = new Float32Array(ENGINE_RATE * 2).map((_, i) => 0.2 * Math.sin((2 * Math.PI * 440 * i) / ENGINE_RATE));
    return monoWav(tone);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * «Проверить»: sends the engine of the form (keys left empty are the stored ones) a few seconds of
 * generated speech, as the AMI check does, and says what it heard or the engine's own refusal.
 * Nothing of any call is sent.
 */
export async function testTranscriptEngine(accountId: string, form: TranscriptSettingsForm): Promise<ActionResult> {
  const t = await translator("transcripts");
  const stored = await loadTranscriptConfig(accountId);
  const locale = await requestLocale();
  const config: TranscriptConfig = {
    ...(stored ?? { summaryEnabled: false, summaryUrl: "", summaryKey: null, summaryModel: "", summaryPrompt: null }),
    enabled: true,
    engine: form.engine,
    openAiUrl: form.openAiUrl,
    openAiKey: form.openAiKey || stored?.openAiKey || null,
    openAiModel: form.openAiModel,
    speechKitKey: form.speechKitKey || stored?.speechKitKey || null,
    speechKitFolder: form.speechKitFolder,
    maskPhrases: [],
    monthlyMinutes: 0,
    locale,
  };
  const language = locale === "en" ? "en" : "ru";
  const started = Date.now();
  try {
    const heard = await engineOf(config, t("noEngineKey")).recognise(await sample(language), language);
    const text = heard.map((segment) => segment.text).join(" ");
    return {
      ok: true,
      message: text
        ? t("form.testHeard", { ms: Date.now() - started, text })
        : t("form.testSilent", { ms: Date.now() - started }),
    };
  } catch (error) {
    const reason = error instanceof EngineError || error instanceof Error ? error.message : String(error);
    return { ok: false, formError: t("form.testFailed", { reason }) };
  }
}
