"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { OutcomeAlert, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { useValidationText } from "@/components/ui/use-validation-text";
import {
  RETENTION_CHOICES,
  recordingSettingsSchema,
  type RecordingSettingsInput,
} from "@/lib/validations/recording-settings";
import { saveRecordingSettingsAction } from "./actions";

/** «Записи разговоров»: the format recordings are kept in and for how long (docs/recordings.md). */
export function RecordingSettingsForm({ defaults }: { defaults: RecordingSettingsInput }) {
  const t = useTranslations("asterisk.recordings");
  const vt = useValidationText();
  const { register, submit, outcome, formState } = useActionForm<RecordingSettingsInput>({
    resolver: zodResolver(recordingSettingsSchema),
    defaultValues: defaults,
  });

  return (
    <form
      onSubmit={submit(saveRecordingSettingsAction)}
      noValidate
      className="form"
      aria-busy={formState.isSubmitting || undefined}
    >
      <h2>{t("heading")}</h2>
      <p className="field-hint">{t("intro")}</p>
      {[
        { field: "format" as const, options: (["MP3", "WAV"] as const).map((v) => [v, t(`format.options.${v}`)]) },
        { field: "retention" as const, options: RETENTION_CHOICES.map((v) => [v, t(`retention.options.${v}`)]) },
      ].map(({ field, options }) => {
        const error = vt(formState.errors[field]?.message);
        return (
          <div className="field" key={field}>
            <label htmlFor={`recordings-${field}`}>{t(`${field}.label`)}</label>
            <select
              id={`recordings-${field}`}
              aria-invalid={error ? true : undefined}
              aria-describedby={`recordings-${field}-hint`}
              {...register(field)}
            >
              {options.map(([value, text]) => (
                <option key={value} value={value}>
                  {text}
                </option>
              ))}
            </select>
            <p className="field-hint" id={`recordings-${field}-hint`}>
              {t(`${field}.hint`)}
            </p>
            {error ? (
              <p className="field-error" role="alert">
                {error}
              </p>
            ) : null}
          </div>
        );
      })}
      <OutcomeAlert outcome={outcome} />
      <div className="actions">
        <Button type="submit" pending={formState.isSubmitting}>
          {formState.isSubmitting ? t("saving") : t("save")}
        </Button>
      </div>
    </form>
  );
}
