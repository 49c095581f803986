"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import { saveCrmOptionsAction } from "@/app/(cabinet)/cabinet/crm/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { crmOptionsSchema, type CrmOptionsInput } from "@/lib/validations/crm-options";

export interface UserChoice {
  id: string;
  name: string;
  active: boolean;
}

type Notice = { tone: "success" | "error"; text: string };

function UserOptions({ users }: { users: UserChoice[] }) {
  return users.map((user) => (
    <option key={user.id} value={user.id}>
      {user.name}
      {user.active ? "" : " (неактивен)"}
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

/** «Возможности CRM»: call-back tasks, the chain of managers, alerts (docs/crm-features.md). */
export function CrmOptionsForm({ defaults, users }: { defaults: CrmOptionsInput; users: UserChoice[] }) {
  const [notice, setNotice] = useState<Notice>();
  const {
    register,
    handleSubmit,
    setError,
    control,
    formState: { errors, isSubmitting },
  } = useForm<CrmOptionsInput>({ resolver: zodResolver(crmOptionsSchema), defaultValues: defaults });
  const [missedTasks, managerChain, alertsEnabled] = useWatch({
    control,
    name: ["missedTasks", "managerChain", "alertsEnabled"],
  });

  const save = handleSubmit(async (values) => {
    setNotice(undefined);
    const outcome = await saveCrmOptionsAction(values);
    if (outcome.ok) return setNotice({ tone: "success", text: outcome.message ?? "Настройки сохранены" });
    for (const [field, message] of Object.entries(outcome.fieldErrors ?? {}))
      setError(field as keyof CrmOptionsInput, { message });
    setNotice({ tone: "error", text: outcome.error });
  });

  return (
    <form onSubmit={save} noValidate className="form" aria-busy={isSubmitting || undefined}>
      <h2>Задача перезвонить по пропущенному звонку</h2>
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("missedTasks")} /> Ставить в retailCRM задачу перезвонить, когда на
          входящий звонок никто не ответил
        </label>
        <p className="field-hint">
          Задача достаётся менеджеру клиента, а если его нет или он не «свободен» — сотруднику по умолчанию. Пока задача
          по номеру открыта и не старше окна, новые пропущенные звонки с этого номера дописываются в неё. Если клиенту
          уже перезвонили или он дозвонился, задача не ставится. Ключу API нужен доступ к методам задач.
        </p>
      </div>
      {missedTasks ? (
        <>
          <div className="field">
            <label htmlFor="missedTaskDefaultUserId">
              Ответственный по умолчанию:<span aria-hidden="true">*</span>
            </label>
            <select
              id="missedTaskDefaultUserId"
              aria-invalid={errors.missedTaskDefaultUserId ? true : undefined}
              aria-describedby={errors.missedTaskDefaultUserId ? "missedTaskDefaultUserId-error" : undefined}
              {...register("missedTaskDefaultUserId")}
            >
              <option value="">— выберите сотрудника —</option>
              <UserOptions users={users} />
            </select>
            <FieldError id="missedTaskDefaultUserId-error" message={errors.missedTaskDefaultUserId?.message} />
          </div>
          <Field
            label="Окно одной задачи, минут:"
            required
            inputMode="numeric"
            hint="Пропущенные звонки с одного номера в пределах окна попадают в одну задачу"
            error={errors.missedTaskWindowMinutes?.message}
            {...register("missedTaskWindowMinutes")}
          />
          <Field
            label="Текст задачи:"
            required
            hint="{customer} — имя клиента, {phone} — номер, {time} — время звонка, {wait} — сколько секунд ждал"
            error={errors.missedTaskTemplate?.message}
            {...register("missedTaskTemplate")}
          />
        </>
      ) : null}

      <h2>Нужный менеджер, когда ответственный занят</h2>
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("managerChain")} /> Искать менеджера по цепочке
        </label>
        <p className="field-hint">
          /api/manager отвечает внутренним номером первого, кто «свободен» в CRM и активен: менеджер клиента, затем тот,
          кто последним разговаривал с этим номером, затем сотрудники из списка ниже. Статусы приходят из CRM сразу при
          их смене, поэтому звонящий не ждёт лишних запросов.
        </p>
      </div>
      {managerChain ? (
        <>
          <div className="field checkbox">
            <label>
              <input type="checkbox" {...register("chainLastTalked")} /> Учитывать, кто последним разговаривал с номером
            </label>
          </div>
          <div className="field">
            <label htmlFor="chainFallbackUserIds">Кому звонить, если никто из них не свободен:</label>
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
              Несколько — с Ctrl (Cmd на Mac). Свободные из выбранных вызываются вместе: в JSON-ответе /api/manager их
              номера в extensions и строка для Dial() в dial. Ничего не выбрано — звонок уходит в общую очередь, как без
              цепочки.
            </p>
            <FieldError id="chainFallbackUserIds-error" message={errors.chainFallbackUserIds?.message} />
          </div>
        </>
      ) : null}

      <h2>Уведомления администраторам в retailCRM</h2>
      <div className="field checkbox">
        <label>
          <input type="checkbox" {...register("alertsEnabled")} /> Сообщать, когда AMI недоступен или звонки не доходят
          до CRM, и когда всё восстановилось
        </label>
        <p className="field-hint">Не чаще одного уведомления в час по каждой причине.</p>
      </div>
      {alertsEnabled ? (
        <>
          <div className="field">
            <label htmlFor="alertUserIds">
              Кому отправлять:<span aria-hidden="true">*</span>
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
            <p className="field-hint">Несколько — с Ctrl (Cmd на Mac).</p>
            <FieldError id="alertUserIds-error" message={errors.alertUserIds?.message} />
          </div>
          <Field
            label="Через сколько минут сбоя сообщать:"
            required
            inputMode="numeric"
            error={errors.alertAfterMinutes?.message}
            {...register("alertAfterMinutes")}
          />
        </>
      ) : null}

      {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
      <div className="actions">
        <Button type="submit" pending={isSubmitting}>
          {isSubmitting ? "Проверка доступа и сохранение…" : "Сохранить настройки"}
        </Button>
      </div>
    </form>
  );
}
