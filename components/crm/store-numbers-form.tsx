"use client";

import { useTranslations } from "next-intl";
import { useFieldArray } from "react-hook-form";
import { OutcomeAlert, useActionForm } from "@/components/ui/action-form";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useValidationText } from "@/components/ui/use-validation-text";
import type { StoreNumber } from "@/lib/sites";
import { saveStoreNumbersAction } from "./actions";

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
  const vt = useValidationText();
  // Only the action checks the numbers: their schema lives beside lib/sites' database code, which no browser loads.
  const { register, control, submit, outcome, formState } = useActionForm<{ numbers: StoreNumber[] }>({
    defaultValues: { numbers },
  });
  const { fields, append, remove } = useFieldArray({ control, name: "numbers" });
  const known = Array.isArray(sites) ? sites : undefined;

  return (
    <form
      onSubmit={submit(saveStoreNumbersAction)}
      noValidate
      className="form"
      aria-busy={formState.isSubmitting || undefined}
    >
      <h2>{t("heading")}</h2>
      <p className="field-hint">{t("intro")}</p>
      {known ? null : <Alert tone="error">{t("sitesFailed", { reason: "error" in sites ? sites.error : "" })}</Alert>}
      {fields.length === 0 ? <p>{t("none")}</p> : null}
      {fields.map((field, index) => {
        const phoneError = vt(formState.errors.numbers?.[index]?.phone?.message);
        const siteError = vt(formState.errors.numbers?.[index]?.siteCode?.message);
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
      <OutcomeAlert outcome={outcome} />
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
