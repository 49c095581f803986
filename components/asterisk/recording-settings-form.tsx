"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { saveRecordingSettingsAction } from "@/app/(cabinet)/cabinet/asterisk/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { RETENTION_CHOICES, type RecordingSettingsInput } from "@/lib/validations/recording-settings";

type Notice = { tone: "success" | "error"; text: string };

/** «Записи разговоров»: the format recordings are kept in and for how long (docs/recordings.md). */
export function RecordingSettingsForm({ defaults }: { defaults: RecordingSettingsInput }) {
  const t = useTranslations("asterisk.recordings");
  const [notice, setNotice] = useState<Notice>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const { register, handleSubmit, formState } = useForm<RecordingSettingsInput>({ defaultValues: defaults });

  const save = handleSubmit(async (values) => {
    setNotice(undefined);
    setFieldErrors({});
    const outcome = await saveRecordingSettingsAction(values);
    if (outcome.ok) return setNotice({ tone: "success", text: outcome.message ?? t("saved") });
    setFieldErrors(outcome.fieldErrors ?? {});
    setNotice({ tone: "error", text: outcome.error });
  });

  return (
    <form onSubmit={save} noValidate className="form" aria-busy={formState.isSubmitting || undefined}>
      <h2>{t("heading")}</h2>
      <p className="field-hint">{t("intro")}</p>
      {[
        { field: "format" as const, options: (["MP3", "WAV"] as const).map((v) => [v, t(`format.options.${v}`)]) },
        { field: "retention" as const, options: RETENTION_CHOICES.map((v) => [v, t(`retention.options.${v}`)]) },
      ].map(({ field, options }) => (
        <div className="field" key={field}>
          <label htmlFor={`recordings-${field}`}>{t(`${field}.label`)}</label>
          <select
            id={`recordings-${field}`}
            aria-invalid={fieldErrors[field] ? true : undefined}
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
          {fieldErrors[field] ? (
            <p className="field-error" role="alert">
              {fieldErrors[field]}
            </p>
          ) : null}
        </div>
      ))}
      {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
      <div className="actions">
        <Button type="submit" pending={formState.isSubmitting}>
          {formState.isSubmitting ? t("saving") : t("save")}
        </Button>
      </div>
    </form>
  );
}
