"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import type { ReactNode } from "react";
import { useWatch } from "react-hook-form";
import { OutcomeAlert, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { useValidationText } from "@/components/ui/use-validation-text";
import { asteriskSettingsSchema, EVENT_SOURCES, type AsteriskSettingsInput } from "@/lib/validations/asterisk-settings";
import { saveAsteriskSettingsAction, testAmiAction } from "./actions";

export function AsteriskSettingsForm({
  defaults,
  hasSecret,
  connection,
}: {
  defaults: AsteriskSettingsInput;
  hasSecret: boolean;
  /** The AMI event connection's state, shown in AMI mode. */
  connection?: ReactNode;
}) {
  const t = useTranslations("asterisk");
  const vt = useValidationText();
  const {
    register,
    submit,
    outcome,
    running,
    setValue,
    control,
    formState: { errors, isSubmitting },
  } = useActionForm<AsteriskSettingsInput>({ resolver: zodResolver(asteriskSettingsSchema), defaultValues: defaults });
  const save = submit(saveAsteriskSettingsAction, (result) => {
    if (result.ok) setValue("amiSecret", "");
  });
  const test = submit(testAmiAction);
  const testing = running === testAmiAction;
  const saving = isSubmitting && !testing;
  const fromAmi = useWatch({ control, name: "eventSource" }) !== "DIALPLAN";
  const routing = useWatch({ control, name: "amiRouting" });
  return (
    <form onSubmit={save} noValidate className="form" aria-busy={isSubmitting || undefined}>
      <h2>{t("sections.telephony")}</h2>
      <Field
        label={t("fields.callerIdPrefix.label")}
        placeholder={t("fields.callerIdPrefix.placeholder")}
        hint={t("fields.callerIdPrefix.hint")}
        error={vt(errors.callerIdPrefix?.message)}
        {...register("callerIdPrefix")}
      />
      <Field
        label={t("fields.outgoing.label")}
        required
        hint={t("fields.outgoing.hint")}
        error={vt(errors.outgoing?.message)}
        {...register("outgoing")}
      />
      <Field
        label={t("fields.managerCallerIdName.label")}
        hint={t("fields.managerCallerIdName.hint")}
        error={vt(errors.managerCallerIdName?.message)}
        {...register("managerCallerIdName")}
      />
      <Field
        label={t("fields.channelTemplate.label")}
        required
        hint={t("validation.channel")}
        error={vt(errors.channelTemplate?.message)}
        {...register("channelTemplate")}
      />
      <Field
        label={t("fields.pbxTimeZone.label")}
        required
        hint={t("fields.pbxTimeZone.hint")}
        error={vt(errors.pbxTimeZone?.message)}
        {...register("pbxTimeZone")}
      />

      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("sendOutEvent")} /> {t("fields.sendOutEvent")}
        </label>
      </div>
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("pauseQueueWhenAway")} /> {t("fields.pauseQueueWhenAway")}
        </label>
      </div>

      <h2>{t("sections.lookup")}</h2>
      <Field
        label={t("fields.lookupBudgetMs.label")}
        required
        inputMode="numeric"
        hint={t("fields.lookupBudgetMs.hint")}
        error={vt(errors.lookupBudgetMs?.message)}
        {...register("lookupBudgetMs")}
      />
      <Field
        label={t("fields.countries.label")}
        required
        hint={t("fields.countries.hint")}
        error={vt(errors.countries?.message)}
        {...register("countries")}
      />
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("transliterateNames")} /> {t("fields.transliterateNames")}
        </label>
      </div>

      <h2>{t("sections.ami")}</h2>
      <div className="field">
        <label htmlFor="amiTransport">{t("fields.amiTransport.label")}</label>
        <select id="amiTransport" {...register("amiTransport")}>
          <option value="HTTP">{t("fields.amiTransport.http")}</option>
          <option value="TCP">{t("fields.amiTransport.tcp")}</option>
        </select>
      </div>
      <Field
        label={t("fields.amiHost.label")}
        required
        hint={t("fields.amiHost.hint")}
        error={vt(errors.amiHost?.message)}
        {...register("amiHost")}
      />
      <Field
        label={t("fields.amiPort.label")}
        required
        inputMode="numeric"
        hint={t("fields.amiPort.hint")}
        error={vt(errors.amiPort?.message)}
        {...register("amiPort")}
      />
      <Field
        label={t("fields.amiLogin.label")}
        required
        autoComplete="off"
        hint={t("fields.amiLogin.hint")}
        error={vt(errors.amiLogin?.message)}
        {...register("amiLogin")}
      />
      <Field
        label={t("fields.amiSecret.label")}
        required={!hasSecret}
        type="password"
        autoComplete="new-password"
        placeholder={t(hasSecret ? "fields.amiSecret.placeholderKept" : "fields.amiSecret.placeholder")}
        hint={t("fields.amiSecret.hint")}
        error={vt(errors.amiSecret?.message)}
        {...register("amiSecret")}
      />

      <h2>{t("sections.events")}</h2>
      <div className="field">
        <label htmlFor="eventSource">{t("fields.eventSource.label")}</label>
        <select id="eventSource" {...register("eventSource")}>
          {EVENT_SOURCES.map((value) => (
            <option key={value} value={value}>
              {t(`fields.eventSource.options.${value}`)}
            </option>
          ))}
        </select>
        <p className="field-hint">{t("fields.eventSource.hint")}</p>
      </div>
      {fromAmi ? (
        <>
          <Field
            label={t("fields.inboundContexts.label")}
            required
            hint={t("fields.inboundContexts.hint")}
            error={vt(errors.inboundContexts?.message)}
            {...register("inboundContexts")}
          />
          <Field
            label={t("fields.outboundContexts.label")}
            required
            hint={t("fields.outboundContexts.hint")}
            error={vt(errors.outboundContexts?.message)}
            {...register("outboundContexts")}
          />
          <Field
            label={t("fields.amiEventsPort.label")}
            required
            inputMode="numeric"
            hint={t("fields.amiEventsPort.hint")}
            error={vt(errors.amiEventsPort?.message)}
            {...register("amiEventsPort")}
          />
          {connection}

          <h2>{t("sections.routing")}</h2>
          <div className="field checkbox">
            <label>
              <input type="checkbox" {...register("amiCallerName")} /> {t("fields.amiCallerName.label")}
            </label>
            <p className="field-hint">{t("fields.amiCallerName.hint")}</p>
          </div>
          <div className="field checkbox">
            <label>
              <input type="checkbox" {...register("amiRouting")} /> {t("fields.amiRouting.label")}
            </label>
            <p className="field-hint">{t("fields.amiRouting.hint")}</p>
          </div>
          {routing ? (
            <>
              <Field
                label={t("fields.routingContext.label")}
                required
                hint={t("fields.routingContext.hint")}
                error={vt(errors.routingContext?.message)}
                {...register("routingContext")}
              />
              <Field
                label={t("fields.routingAnswerSeconds.label")}
                required
                inputMode="numeric"
                hint={t("fields.routingAnswerSeconds.hint")}
                error={vt(errors.routingAnswerSeconds?.message)}
                {...register("routingAnswerSeconds")}
              />
              <Field
                label={t("fields.routingFallback.label")}
                required
                hint={t("fields.routingFallback.hint")}
                error={vt(errors.routingFallback?.message)}
                {...register("routingFallback")}
              />
            </>
          ) : null}
        </>
      ) : null}

      <OutcomeAlert outcome={outcome} />
      <div className="actions">
        <Button type="submit" pending={saving} disabled={isSubmitting}>
          {saving ? t("saving") : t("save")}
        </Button>
        <Button type="button" variant="secondary" onClick={test} pending={testing} disabled={isSubmitting}>
          {testing ? t("testing") : t("test")}
        </Button>
      </div>
    </form>
  );
}
