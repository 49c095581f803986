"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { useValidationText } from "@/components/ui/use-validation-text";
import type { PhoneRow as Row } from "@/lib/accounts";
import { saveExtensionSchema, type SaveExtensionInput, type SaveExtensionValues } from "@/lib/validations/extension";
import { saveExtensionAction } from "./actions";

const STATUSES = ["free", "busy", "dinner", "break"] as const;

interface Props {
  row: Row;
  /** What the admin typed and has not saved yet (kept by the tab across searching and paging). */
  draft: string | undefined;
  onDraft: (value: string | undefined) => void;
  unknownInCrm: boolean;
}

export function PhoneRow({ row, draft, onDraft, unknownInCrm }: Props) {
  const t = useTranslations("phones");
  const vt = useValidationText();
  const router = useRouter();
  const saved = row.extension ?? "";
  const {
    register,
    submit,
    outcome,
    setError,
    formState: { errors, isSubmitting },
  } = useActionForm<SaveExtensionInput, undefined, SaveExtensionValues>({
    resolver: zodResolver(saveExtensionSchema),
    defaultValues: { crmUserId: row.crmUserId, extension: draft ?? saved },
    offline: t("offline"),
  });
  const save = submit(
    (values) => saveExtensionAction({ crmUserId: values.crmUserId, extension: values.extension ?? "" }),
    (result) => {
      // The row has no room for a form's notice: every refusal is said beside the number.
      if (!result.ok) return setError("extension", { message: result.fieldErrors?.extension ?? result.formError });
      onDraft(undefined);
      router.refresh();
    },
  );
  const error = vt(errors.extension?.message);
  const unsaved = draft !== undefined && draft !== saved;
  const status = STATUSES.find((known) => known === row.status);
  const inputId = `extension-${row.crmUserId}`;
  const errorId = `${inputId}-error`;
  const unsavedId = `${inputId}-unsaved`;
  const describedBy = [error ? errorId : null, unsaved ? unsavedId : null].filter(Boolean).join(" ");

  return (
    <tr className={unsaved ? "row-unsaved" : undefined}>
      <td>{row.crmUserId}</td>
      <td>
        <div>{row.name}</div>
        <div className="muted">
          {row.email}
          {row.status ? ` · ${status ? t(`status.${status}`) : row.status}` : null}
          {row.active ? null : ` · ${t("inactive")}`}
        </div>
        {unknownInCrm ? <div className="field-error">{t("unknownInCrm")}</div> : null}
      </td>
      <td>
        <form id={`row-${row.crmUserId}`} onSubmit={save} noValidate>
          <label htmlFor={inputId} className="visually-hidden">
            {t("extensionOf", { name: row.name })}
          </label>
          <input
            id={inputId}
            inputMode="numeric"
            className="extension-input"
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy || undefined}
            {...register("extension", { onChange: (event) => onDraft(event.target.value) })}
          />
          {error ? (
            <p id={errorId} className="field-error" role="alert">
              {error}
            </p>
          ) : null}
          {unsaved ? (
            <p id={unsavedId} className="field-unsaved">
              {t("unsaved")}
            </p>
          ) : null}
          {outcome?.ok && !unsaved ? <p className="field-ok">{t("saved")}</p> : null}
        </form>
      </td>
      <td>
        <Button type="submit" form={`row-${row.crmUserId}`} variant="secondary" pending={isSubmitting}>
          {isSubmitting ? t("saving") : t("save")}
        </Button>
      </td>
    </tr>
  );
}
