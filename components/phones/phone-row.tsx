"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { saveExtensionAction } from "@/app/(cabinet)/cabinet/phones/actions";
import { Button } from "@/components/ui/button";
import type { PhoneRow as Row } from "@/lib/accounts/users";
import { saveExtensionSchema, type SaveExtensionInput, type SaveExtensionValues } from "@/lib/validations/extension";

const statusLabels: Record<string, string> = { free: "свободен", busy: "занят", dinner: "обед", break: "перерыв" };

export function PhoneRow({ row, unknownInCrm }: { row: Row; unknownInCrm: boolean }) {
  const router = useRouter();
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors, isDirty },
    reset,
  } = useForm<SaveExtensionInput, unknown, SaveExtensionValues>({
    resolver: zodResolver(saveExtensionSchema),
    defaultValues: { crmUserId: row.crmUserId, extension: row.extension ?? "" },
  });
  const save = useMutation({
    mutationFn: (values: SaveExtensionValues) =>
      saveExtensionAction({ crmUserId: values.crmUserId, extension: values.extension ?? "" }),
    onSuccess: (result, input) => {
      if (!result.ok) {
        setError("extension", { message: result.fieldErrors?.extension ?? result.error });
        return;
      }
      reset({ crmUserId: row.crmUserId, extension: input.extension ?? "" });
      router.refresh();
    },
    onError: () => setError("extension", { message: "Не удалось сохранить: проверьте соединение" }),
  });
  const inputId = `extension-${row.crmUserId}`;
  const errorId = `${inputId}-error`;

  return (
    <tr>
      <td>{row.crmUserId}</td>
      <td>
        <div>{row.name}</div>
        <div className="muted">
          {row.email}
          {row.status ? ` · ${statusLabels[row.status] ?? row.status}` : null}
          {row.active ? null : " · неактивен"}
        </div>
        {unknownInCrm ? <div className="field-error">CRM не знает этого сотрудника</div> : null}
      </td>
      <td>
        <form id={`row-${row.crmUserId}`} onSubmit={handleSubmit((values) => save.mutate(values))} noValidate>
          <label htmlFor={inputId} className="visually-hidden">
            Внутренний добавочный номер: {row.name}
          </label>
          <input
            id={inputId}
            inputMode="numeric"
            className="extension-input"
            aria-invalid={errors.extension ? true : undefined}
            aria-describedby={errors.extension ? errorId : undefined}
            {...register("extension")}
          />
          {errors.extension ? (
            <p id={errorId} className="field-error" role="alert">
              {errors.extension.message}
            </p>
          ) : null}
          {save.data?.ok && !isDirty ? <p className="field-ok">Сохранено</p> : null}
        </form>
      </td>
      <td>
        <Button type="submit" form={`row-${row.crmUserId}`} variant="secondary" pending={save.isPending}>
          {save.isPending ? "Сохранение…" : "Сохранить"}
        </Button>
      </td>
    </tr>
  );
}
