"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { useWatch } from "react-hook-form";
import { OutcomeAlert, useActionForm } from "@/components/ui/action-form";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { useValidationText } from "@/components/ui/use-validation-text";
import type { TranscriptCabinet } from "@/lib/transcripts";
import { transcriptSettingsSchema, type TranscriptSettingsForm } from "@/lib/validations/transcripts";
import { saveTranscriptSettingsAction, testTranscriptEngineAction } from "./actions";

const ENGINES = ["OPENAI", "SPEECHKIT", "LOCAL"] as const;

/** «Расшифровка звонков» in «Возможности CRM» (docs/transcripts.md): off by default. */
export function TranscriptsForm({ cabinet }: { cabinet: TranscriptCabinet }) {
  const t = useTranslations("transcripts.form");
  const vt = useValidationText();
  const {
    register,
    submit,
    outcome,
    running,
    setValue,
    control,
    formState: { errors, isSubmitting },
  } = useActionForm<TranscriptSettingsForm>({
    resolver: zodResolver(transcriptSettingsSchema),
    defaultValues: cabinet.form,
  });
  const save = submit(saveTranscriptSettingsAction, (result) => {
    if (!result.ok) return;
    for (const key of ["openAiKey", "speechKitKey", "summaryKey"] as const) setValue(key, "");
  });
  const test = submit(testTranscriptEngineAction);
  const testing = running === testTranscriptEngineAction;
  const enabled = useWatch({ control, name: "enabled" });
  const engine = useWatch({ control, name: "engine" });
  const summary = useWatch({ control, name: "summaryEnabled" });
  const keyHint = (stored: boolean) => (stored ? t("keyStored") : undefined);
  return (
    <form onSubmit={save} noValidate className="form" aria-busy={isSubmitting || undefined} id="transcripts">
      <h2>{t("heading")}</h2>
      <p className="field-hint">{t("intro")}</p>
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("enabled")} /> {t("enable")}
        </label>
        <p className="field-hint">{t("enableHint")}</p>
      </div>
      {enabled ? (
        <>
          <div className="field">
            <label htmlFor="transcripts-engine">{t("engine")}</label>
            <select id="transcripts-engine" {...register("engine")}>
              {ENGINES.map((value) => (
                <option key={value} value={value}>
                  {t(`engines.${value}`)}
                </option>
              ))}
            </select>
          </div>
          {engine === "OPENAI" ? (
            <>
              <Field label={t("openAiUrl")} error={vt(errors.openAiUrl?.message)} {...register("openAiUrl")} />
              <Field
                label={t("key")}
                type="password"
                autoComplete="new-password"
                hint={keyHint(cabinet.storedKeys.openAi)}
                error={vt(errors.openAiKey?.message)}
                {...register("openAiKey")}
              />
              <Field label={t("model")} error={vt(errors.openAiModel?.message)} {...register("openAiModel")} />
            </>
          ) : null}
          {engine === "SPEECHKIT" ? (
            <>
              <Field
                label={t("key")}
                type="password"
                autoComplete="new-password"
                hint={keyHint(cabinet.storedKeys.speechKit)}
                error={vt(errors.speechKitKey?.message)}
                {...register("speechKitKey")}
              />
              <Field
                label={t("speechKitFolder")}
                error={vt(errors.speechKitFolder?.message)}
                {...register("speechKitFolder")}
              />
            </>
          ) : null}
          <div className="field checkbox">
            <label>
              <input type="checkbox" {...register("summaryEnabled")} /> {t("summaryEnable")}
            </label>
            <p className="field-hint">{t("summaryHint")}</p>
          </div>
          {summary ? (
            <>
              <Field label={t("summaryUrl")} error={vt(errors.summaryUrl?.message)} {...register("summaryUrl")} />
              <Field
                label={t("key")}
                type="password"
                autoComplete="new-password"
                hint={keyHint(cabinet.storedKeys.summary)}
                error={vt(errors.summaryKey?.message)}
                {...register("summaryKey")}
              />
              <Field label={t("model")} error={vt(errors.summaryModel?.message)} {...register("summaryModel")} />
              <div className="field">
                <label htmlFor="transcripts-prompt">{t("prompt")}</label>
                <textarea
                  id="transcripts-prompt"
                  rows={4}
                  placeholder={cabinet.defaultPrompt}
                  aria-describedby="transcripts-prompt-hint"
                  {...register("summaryPrompt")}
                />
                <p className="field-hint" id="transcripts-prompt-hint">
                  {t("promptHint")}
                </p>
              </div>
            </>
          ) : null}
          <div className="field">
            <label htmlFor="transcripts-mask">{t("maskPhrases")}</label>
            <textarea
              id="transcripts-mask"
              rows={3}
              aria-describedby="transcripts-mask-hint"
              {...register("maskPhrases")}
            />
            <p className="field-hint" id="transcripts-mask-hint">
              {t("maskPhrasesHint")}
            </p>
          </div>
          <Field
            label={t("monthlyMinutes")}
            inputMode="numeric"
            hint={t("usage", { used: cabinet.usedMinutes, cap: cabinet.form.monthlyMinutes })}
            error={vt(errors.monthlyMinutes?.message)}
            {...register("monthlyMinutes")}
          />
          {cabinet.capReached ? <Alert tone="error">{t("capReached")}</Alert> : null}
        </>
      ) : null}
      <OutcomeAlert outcome={outcome} />
      <div className="actions">
        <Button type="submit" pending={isSubmitting && !testing} disabled={isSubmitting}>
          {isSubmitting && !testing ? t("saving") : t("save")}
        </Button>
        {enabled ? (
          <Button type="button" variant="secondary" onClick={test} pending={testing} disabled={isSubmitting}>
            {testing ? t("testing") : t("test")}
          </Button>
        ) : null}
      </div>
    </form>
  );
}
