"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { useFieldArray } from "react-hook-form";
import { OutcomeAlert, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { useValidationText } from "@/components/ui/use-validation-text";
import { ignoreListSchema, type IgnoreListInput } from "@/lib/validations/ignore-list";
import { saveIgnoreListAction } from "./actions";

/** «Номера без карточки»: numbers and prefixes whose calls stay out of the CRM (docs/crm-features.md). */
export function IgnoreListForm({
  defaults,
  ignoredLast30Days,
}: {
  defaults: IgnoreListInput;
  ignoredLast30Days: number;
}) {
  const t = useTranslations("crm.ignore");
  const vt = useValidationText();
  const { register, control, submit, outcome, formState } = useActionForm<IgnoreListInput>({
    resolver: zodResolver(ignoreListSchema),
    defaultValues: defaults,
  });
  const { fields, append, remove } = useFieldArray({ control, name: "numbers" });
  const listError = vt(formState.errors.numbers?.root?.message ?? formState.errors.numbers?.message);

  return (
    <form
      onSubmit={submit(saveIgnoreListAction)}
      noValidate
      className="form ignore-list"
      aria-busy={formState.isSubmitting || undefined}
    >
      <h2>{t("heading")}</h2>
      <p className="field-hint">{t("intro")}</p>
      <p className="ignored-count">{t("ignoredCount", { count: ignoredLast30Days })}</p>
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("hidden")} /> {t("hidden")}
        </label>
      </div>
      {fields.length === 0 ? <p>{t("none")}</p> : null}
      {fields.map((field, index) => {
        const error = vt(formState.errors.numbers?.[index]?.pattern?.message);
        return (
          <div key={field.id} className="field ignore-entry">
            <label htmlFor={`ignore-${index}`}>{t("entry", { number: index + 1 })}</label>
            <input
              id={`ignore-${index}`}
              inputMode="tel"
              placeholder="+79001234567"
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `ignore-${index}-error` : "ignore-hint"}
              {...register(`numbers.${index}.pattern`)}
            />
            {error ? (
              <p id={`ignore-${index}-error`} className="field-error" role="alert">
                {error}
              </p>
            ) : null}
            <Button type="button" variant="secondary" onClick={() => remove(index)}>
              {t("remove", { number: index + 1 })}
            </Button>
          </div>
        );
      })}
      <p id="ignore-hint" className="field-hint">
        {t("entryHint")}
      </p>
      {listError ? (
        <p className="field-error" role="alert">
          {listError}
        </p>
      ) : null}
      <OutcomeAlert outcome={outcome} />
      <div className="actions">
        <Button type="button" variant="secondary" onClick={() => append({ pattern: "" })}>
          {t("add")}
        </Button>
        <Button type="submit" pending={formState.isSubmitting}>
          {formState.isSubmitting ? t("saving") : t("save")}
        </Button>
      </div>
    </form>
  );
}
