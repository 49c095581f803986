"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { useWatch } from "react-hook-form";
import { OutcomeAlert, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { useValidationText } from "@/components/ui/use-validation-text";
import { crmOptionsSchema, type CrmOptionsInput } from "@/lib/validations/crm-options";
import { saveCrmOptionsAction } from "./actions";

export interface UserChoice {
  id: string;
  name: string;
  active: boolean;
}

function UserOptions({ users }: { users: UserChoice[] }) {
  const t = useTranslations("crm");
  return users.map((user) => (
    <option key={user.id} value={user.id}>
      {user.active ? user.name : t("inactiveUser", { name: user.name })}
    </option>
  ));
}

function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? (
    <p id={id} className="field-error" role="alert">
      {message}
    </p>
  ) : null;
}

/** «Возможности CRM»: call-back tasks, the chain of managers, new customers, alerts (docs/crm-features.md). */
export function CrmOptionsForm({ defaults, users }: { defaults: CrmOptionsInput; users: UserChoice[] }) {
  const t = useTranslations("crm");
  const vt = useValidationText();
  const {
    register,
    submit,
    outcome,
    control,
    formState: { errors, isSubmitting },
  } = useActionForm<CrmOptionsInput>({ resolver: zodResolver(crmOptionsSchema), defaultValues: defaults });
  const [missedTasks, managerChain, alertsEnabled, newCustomers] = useWatch({
    control,
    name: ["missedTasks", "managerChain", "alertsEnabled", "newCustomers"],
  });

  return (
    <form onSubmit={submit(saveCrmOptionsAction)} noValidate className="form" aria-busy={isSubmitting || undefined}>
      <h2>{t("tasks.heading")}</h2>
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("missedTasks")} /> {t("tasks.enable")}
        </label>
        <p className="field-hint">{t("tasks.hint")}</p>
      </div>
      {missedTasks ? (
        <>
          <div className="field">
            <label htmlFor="missedTaskDefaultUserId">
              {t("tasks.defaultUser")}
              <span aria-hidden="true">*</span>
            </label>
            <select
              id="missedTaskDefaultUserId"
              aria-invalid={errors.missedTaskDefaultUserId ? true : undefined}
              aria-describedby={errors.missedTaskDefaultUserId ? "missedTaskDefaultUserId-error" : undefined}
              {...register("missedTaskDefaultUserId")}
            >
              <option value="">{t("chooseUser")}</option>
              <UserOptions users={users} />
            </select>
            <FieldError id="missedTaskDefaultUserId-error" message={vt(errors.missedTaskDefaultUserId?.message)} />
          </div>
          <Field
            label={t("tasks.window")}
            required
            inputMode="numeric"
            hint={t("tasks.windowHint")}
            error={vt(errors.missedTaskWindowMinutes?.message)}
            {...register("missedTaskWindowMinutes")}
          />
          <Field
            label={t("tasks.template")}
            required
            hint={t("tasks.templateHint", {
              customer: "{customer}",
              phone: "{phone}",
              time: "{time}",
              wait: "{wait}",
            })}
            error={vt(errors.missedTaskTemplate?.message)}
            {...register("missedTaskTemplate")}
          />
          <Field
            label={t("tasks.capPer10Minutes")}
            required
            inputMode="numeric"
            error={vt(errors.missedTasksPer10Minutes?.message)}
            {...register("missedTasksPer10Minutes")}
          />
          <Field
            label={t("tasks.capPerDay")}
            required
            inputMode="numeric"
            hint={t("tasks.capHint")}
            error={vt(errors.missedTasksPerDay?.message)}
            {...register("missedTasksPerDay")}
          />
        </>
      ) : null}

      <h2>{t("callBack.heading")}</h2>
      <Field
        label={t("callBack.window")}
        required
        inputMode="numeric"
        hint={t("callBack.hint", { method: "/api/tasks/{id}/edit", scope: "task_write" })}
        error={vt(errors.callBackWindowHours?.message)}
        {...register("callBackWindowHours")}
      />

      <h2>{t("chain.heading")}</h2>
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("managerChain")} /> {t("chain.enable")}
        </label>
        <p className="field-hint">{t("chain.hint")}</p>
      </div>
      {managerChain ? (
        <>
          <div className="field checkbox">
            <label>
              <input type="checkbox" {...register("chainLastTalked")} /> {t("chain.lastTalked")}
            </label>
          </div>
          <div className="field">
            <label htmlFor="chainFallbackUserIds">{t("chain.fallback")}</label>
            <select
              id="chainFallbackUserIds"
              multiple
              size={Math.min(6, Math.max(3, users.length))}
              aria-describedby="chainFallbackUserIds-hint"
              {...register("chainFallbackUserIds")}
            >
              <UserOptions users={users} />
            </select>
            <p id="chainFallbackUserIds-hint" className="field-hint">
              {t("chain.fallbackHint")}
            </p>
            <FieldError id="chainFallbackUserIds-error" message={vt(errors.chainFallbackUserIds?.message)} />
          </div>
        </>
      ) : null}

      <h2>{t("customers.heading")}</h2>
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("newCustomers")} /> {t("customers.enable")}
        </label>
        <p className="field-hint">{t("customers.hint")}</p>
      </div>
      {newCustomers ? (
        <Field
          label={t("customers.name")}
          required
          hint={t("customers.nameHint", { phone: "{phone}" })}
          error={vt(errors.newCustomerName?.message)}
          {...register("newCustomerName")}
        />
      ) : null}

      <h2>{t("alerts.heading")}</h2>
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("alertsEnabled")} /> {t("alerts.enable")}
        </label>
        <p className="field-hint">{t("alerts.hint")}</p>
      </div>
      {alertsEnabled ? (
        <>
          <div className="field">
            <label htmlFor="alertUserIds">
              {t("alerts.users")}
              <span aria-hidden="true">*</span>
            </label>
            <select
              id="alertUserIds"
              multiple
              size={Math.min(6, Math.max(3, users.length))}
              aria-invalid={errors.alertUserIds ? true : undefined}
              aria-describedby={errors.alertUserIds ? "alertUserIds-error" : undefined}
              {...register("alertUserIds")}
            >
              <UserOptions users={users} />
            </select>
            <p className="field-hint">{t("severalHint")}</p>
            <FieldError id="alertUserIds-error" message={vt(errors.alertUserIds?.message)} />
          </div>
          <Field
            label={t("alerts.after")}
            required
            inputMode="numeric"
            error={vt(errors.alertAfterMinutes?.message)}
            {...register("alertAfterMinutes")}
          />
        </>
      ) : null}

      <OutcomeAlert outcome={outcome} />
      <div className="actions">
        <Button type="submit" pending={isSubmitting}>
          {isSubmitting ? t("saving") : t("save")}
        </Button>
      </div>
    </form>
  );
}
