"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { useFieldArray, useForm } from "react-hook-form";
import { saveStoreNumbersAction } from "@/app/(cabinet)/cabinet/crm/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { StoreNumber } from "@/lib/sites";

type Notice = { tone: "success" | "error"; text: string };

/** «Магазины по номерам»: the company's numbers and the store each belongs to (docs/crm-features.md). */
export function StoreNumbersForm({
  numbers,
  sites,
}: {
  numbers: StoreNumber[];
  /** The CRM's stores, or why they could not be read: then codes are typed. */
  sites: { code: string; name: string }[] | { error: string };
}) {
  const t = useTranslations("crm.stores");
  const [notice, setNotice] = useState<Notice>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const { register, control, handleSubmit, formState } = useForm<{ numbers: StoreNumber[] }>({
    defaultValues: { numbers },
  });
  const { fields, append, remove } = useFieldArray({ control, name: "numbers" });
  const known = Array.isArray(sites) ? sites : undefined;

  const save = handleSubmit(async (values) => {
    setNotice(undefined);
    setFieldErrors({});
    const outcome = await saveStoreNumbersAction(values.numbers);
    if (outcome.ok) return setNotice({ tone: "success", text: outcome.message ?? t("saved") });
    setFieldErrors(outcome.fieldErrors ?? {});
    setNotice({ tone: "error", text: outcome.error });
  });

  return (
    <form onSubmit={save} noValidate className="form" aria-busy={formState.isSubmitting || undefined}>
      <h2>{t("heading")}</h2>
      <p className="field-hint">{t("intro")}</p>
      {known ? null : <Alert tone="error">{t("sitesFailed", { reason: "error" in sites ? sites.error : "" })}</Alert>}
      {fields.length === 0 ? <p>{t("none")}</p> : null}
      {fields.map((field, index) => {
        const phoneError = fieldErrors[`${index}.phone`];
        const siteError = fieldErrors[`${index}.siteCode`];
        return (
          <fieldset key={field.id} className="store-number">
            <legend>{t("number", { number: index + 1 })}</legend>
            <div className="field">
              <label htmlFor={`store-phone-${index}`}>{t("phone")}</label>
              <input
                id={`store-phone-${index}`}
                inputMode="tel"
                placeholder="+74951234567"
                aria-invalid={phoneError ? true : undefined}
                {...register(`numbers.${index}.phone`)}
              />
              {phoneError ? (
                <p className="field-error" role="alert">
                  {phoneError}
                </p>
              ) : null}
            </div>
            <div className="field">
              <label htmlFor={`store-site-${index}`}>{t("site")}</label>
              {known ? (
                <select
                  id={`store-site-${index}`}
                  aria-invalid={siteError ? true : undefined}
                  {...register(`numbers.${index}.siteCode`)}
                >
                  <option value="">{t("chooseSite")}</option>
                  {known.map((site) => (
                    <option key={site.code} value={site.code}>
                      {site.name}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={`store-site-${index}`}
                  aria-invalid={siteError ? true : undefined}
                  {...register(`numbers.${index}.siteCode`)}
                />
              )}
              {siteError ? (
                <p className="field-error" role="alert">
                  {siteError}
                </p>
              ) : null}
            </div>
            <Button type="button" variant="secondary" onClick={() => remove(index)}>
              {t("remove", { number: index + 1 })}
            </Button>
          </fieldset>
        );
      })}
      {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
      <div className="actions">
        <Button
          type="button"
          variant="secondary"
          onClick={() => append({ phone: "", siteCode: known?.[0]?.code ?? "" })}
        >
          {t("add")}
        </Button>
        <Button type="submit" pending={formState.isSubmitting}>
          {formState.isSubmitting ? t("saving") : t("save")}
        </Button>
      </div>
    </form>
  );
}
