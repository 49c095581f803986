"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useState, type ReactNode } from "react";
import { useForm, useWatch } from "react-hook-form";
import { saveAsteriskSettingsAction, testAmiAction } from "@/app/(cabinet)/cabinet/asterisk/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import type { SettingsOutcome } from "@/lib/accounts/asterisk-settings";
import {
  asteriskSettingsSchema,
  CHANNEL_HINT,
  EVENT_SOURCES,
  type AsteriskSettingsInput,
} from "@/lib/validations/asterisk-settings";

type Notice = { tone: "success" | "error"; text: string };

export function AsteriskSettingsForm({
  defaults,
  hasSecret,
  connection,
}: {
  defaults: AsteriskSettingsInput;
  hasSecret: boolean;
  /** The AMI event connection's state, rendered on the server. */
  connection?: ReactNode;
}) {
  const [notice, setNotice] = useState<Notice>();
  const [testing, setTesting] = useState(false);
  const {
    register,
    handleSubmit,
    setError,
    setValue,
    control,
    formState: { errors, isSubmitting },
  } = useForm<AsteriskSettingsInput>({ resolver: zodResolver(asteriskSettingsSchema), defaultValues: defaults });

  function show(outcome: SettingsOutcome, success: string) {
    if (outcome.ok) {
      setNotice({ tone: "success", text: success });
      return true;
    }
    for (const [field, message] of Object.entries(outcome.fieldErrors ?? {}))
      setError(field as keyof AsteriskSettingsInput, { message });
    setNotice({ tone: "error", text: outcome.error });
    return false;
  }

  const save = handleSubmit(async (values) => {
    setNotice(undefined);
    if (show(await saveAsteriskSettingsAction(values), "Настройки сохранены: доступ к AMI проверен"))
      setValue("amiSecret", "");
  });

  const test = handleSubmit(async (values) => {
    setNotice(undefined);
    setTesting(true);
    try {
      show(await testAmiAction(values), "Подключение к AMI работает");
    } finally {
      setTesting(false);
    }
  });

  const busy = isSubmitting || testing;
  const fromAmi = useWatch({ control, name: "eventSource" }) !== "DIALPLAN";
  return (
    <form onSubmit={save} noValidate className="form" aria-busy={busy || undefined}>
      <h2>Настройки телефонии</h2>
      <Field
        label="Префикс CallerID(name):"
        placeholder="Префикс CallerID(name)"
        hint="Укажите префикс, который будет показываться до имени CallerID(name) - [Prefix]: [CallerID(name)]"
        error={errors.callerIdPrefix?.message}
        {...register("callerIdPrefix")}
      />
      <Field
        label="Контекст и приоритет исходящих звонков:"
        required
        hint="Укажите наименование контекста и приоритета через запятую: context[,priority]"
        error={errors.outgoing?.message}
        {...register("outgoing")}
      />
      <Field
        label="CallerID(name) звонка менеджеру:"
        hint="Введите CallerID(name) для звонка менеджеру от Asterisk"
        error={errors.managerCallerIdName?.message}
        {...register("managerCallerIdName")}
      />
      <Field
        label="Канал звонка менеджеру:"
        required
        hint={CHANNEL_HINT}
        error={errors.channelTemplate?.message}
        {...register("channelTemplate")}
      />

      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("sendOutEvent")} /> Сразу отправлять в CRM событие исходящего звонка при
          звонке из CRM (если dialplan не отправляет type=out)
        </label>
      </div>
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("pauseQueueWhenAway")} /> Ставить менеджера на паузу в очередях
          (QueuePause), пока в CRM он не «свободен»
        </label>
      </div>

      <h2>Определение звонящего (/api/manager)</h2>
      <Field
        label="Сколько ждать ответа CRM, мс:"
        required
        inputMode="numeric"
        hint="Звонящий ждёт, пока сервис ищет клиента; если CRM не ответит за это время, ответ будет пустым, а результат попадёт в кэш для следующего звонка"
        error={errors.lookupBudgetMs?.message}
        {...register("lookupBudgetMs")}
      />
      <Field
        label="Страны номеров:"
        required
        hint="Коды стран ISO через запятую: по ним номера вида 8900… и +7900… считаются одним номером"
        error={errors.countries?.message}
        {...register("countries")}
      />
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("transliterateNames")} /> Имя клиента латиницей (для телефонов, которые не
          показывают кириллицу)
        </label>
      </div>

      <h2>Настройки доступа к AMI</h2>
      <div className="field">
        <label htmlFor="amiTransport">Способ подключения к AMI:</label>
        <select id="amiTransport" {...register("amiTransport")}>
          <option value="HTTP">HTTP (rawman, порт 8088)</option>
          <option value="TCP">TCP (порт 5038)</option>
        </select>
      </div>
      <Field
        label="Имя / адрес AMI сервера:"
        required
        hint="Укажите имя или ip-адрес сервера где находится asterisk-сервер с настроенным AMI"
        error={errors.amiHost?.message}
        {...register("amiHost")}
      />
      <Field
        label="Порт AMI:"
        required
        inputMode="numeric"
        hint="Введите порт AMI"
        error={errors.amiPort?.message}
        {...register("amiPort")}
      />
      <Field
        label="Логин AMI:"
        required
        autoComplete="off"
        hint="Введите имя пользователя AMI"
        error={errors.amiLogin?.message}
        {...register("amiLogin")}
      />
      <Field
        label="Пароль AMI:"
        required={!hasSecret}
        type="password"
        autoComplete="new-password"
        placeholder={
          hasSecret ? "Пароль сохранён — оставьте пустым, чтобы не менять" : "Укажите пароль пользователя AMI"
        }
        hint="Введите пароль пользователя AMI"
        error={errors.amiSecret?.message}
        {...register("amiSecret")}
      />

      <h2>События звонков</h2>
      <div className="field">
        <label htmlFor="eventSource">Откуда брать события звонков:</label>
        <select id="eventSource" {...register("eventSource")}>
          {Object.entries(EVENT_SOURCES).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <p className="field-hint">
          Из событий AMI сервис сам узнаёт о каждом звонке: кому звонили, кто ответил, сколько ждали и говорили.
          Dialplan править не нужно; пользователю AMI нужны права и фильтры из вкладки «API».
        </p>
      </div>
      {fromAmi ? (
        <>
          <Field
            label="Контексты входящих звонков:"
            required
            hint="Контексты, куда попадают звонки снаружи (транки, городские номера), через запятую: from-trunk, from-pstn"
            error={errors.inboundContexts?.message}
            {...register("inboundContexts")}
          />
          <Field
            label="Порт AMI (TCP) для событий:"
            required
            inputMode="numeric"
            hint="События сервис получает по TCP, даже если звонки из CRM идут по HTTP"
            error={errors.amiEventsPort?.message}
            {...register("amiEventsPort")}
          />
          {connection}
        </>
      ) : null}

      {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
      <div className="actions">
        <Button type="submit" pending={isSubmitting} disabled={busy}>
          {isSubmitting ? "Проверка доступа и сохранение…" : "Сохранить настройки"}
        </Button>
        <Button type="button" variant="secondary" onClick={test} pending={testing} disabled={busy}>
          {testing ? "Проверка…" : "Проверить подключение"}
        </Button>
      </div>
    </form>
  );
}
