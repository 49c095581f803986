"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { saveExtensionAction } from "@/app/(cabinet)/cabinet/phones/actions";
import { Button } from "@/components/ui/button";
import { useValidationText } from "@/components/ui/use-validation-text";
import type { PhoneRow as Row } from "@/lib/accounts";
import { saveExtensionSchema, type SaveExtensionInput, type SaveExtensionValues } from "@/lib/validations/extension";

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
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<SaveExtensionInput, unknown, SaveExtensionValues>({
    resolver: zodResolver(saveExtensionSchema),
    defaultValues: { crmUserId: row.crmUserId, extension: draft ?? saved },
  });
  const save = useMutation({
    mutationFn: (values: SaveExtensionValues) =>
      saveExtensionAction({ crmUserId: values.crmUserId, extension: values.extension ?? "" }),
    onSuccess: (result) => {
      if (!result.ok) {
        setError("extension", { message: result.fieldErrors?.extension ?? result.error });
        return;
      }
      onDraft(undefined);
      router.refresh();
    },
    onError: () => setError("extension", { message: t("offline") }),
  });
  const unsaved = draft !== undefined && draft !== saved;
  const status = STATUSES.find((known) => known === row.status);
  const inputId = `extension-${row.crmUserId}`;
  const errorId = `${inputId}-error`;
  const unsavedId = `${inputId}-unsaved`;
  const describedBy = [errors.extension ? errorId : null, unsaved ? unsavedId : null].filter(Boolean).join(" ");

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
        <form id={`row-${row.crmUserId}`} onSubmit={handleSubmit((values) => save.mutate(values))} noValidate>
          <label htmlFor={inputId} className="visually-hidden">
            {t("extensionOf", { name: row.name })}
          </label>
          <input
            id={inputId}
            inputMode="numeric"
            className="extension-input"
            aria-invalid={errors.extension ? true : undefined}
            aria-describedby={describedBy || undefined}
            {...register("extension", { onChange: (event) => onDraft(event.target.value) })}
          />
          {errors.extension ? (
            <p id={errorId} className="field-error" role="alert">
              {vt(errors.extension.message)}
            </p>
          ) : null}
          {unsaved ? (
            <p id={unsavedId} className="field-unsaved">
              {t("unsaved")}
            </p>
          ) : null}
          {save.data?.ok && !unsaved ? <p className="field-ok">{t("saved")}</p> : null}
        </form>
      </td>
      <td>
        <Button type="submit" form={`row-${row.crmUserId}`} variant="secondary" pending={save.isPending}>
          {save.isPending ? t("saving") : t("save")}
        </Button>
      </td>
    </tr>
  );
}
