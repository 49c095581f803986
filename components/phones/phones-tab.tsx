"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { pushExtensionsAction, refreshUsersAction } from "@/app/(cabinet)/cabinet/phones/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { PhoneRow as Row } from "@/lib/accounts/users";
import { PhoneRow } from "./phone-row";

async function fetchPhones(): Promise<Row[]> {
  const response = await fetch("/api/cabinet/phones", { cache: "no-store" });
  const body = (await response.json()) as { success: boolean; phones?: Row[]; errorMsg?: string };
  if (!response.ok || !body.phones) throw new Error(body.errorMsg ?? "Не удалось загрузить сотрудников");
  return body.phones;
}

export function PhonesTab() {
  const queryClient = useQueryClient();
  const phones = useQuery({ queryKey: ["phones"], queryFn: fetchPhones });
  const refresh = useMutation({
    mutationFn: refreshUsersAction,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["phones"] }),
  });
  const push = useMutation({ mutationFn: pushExtensionsAction });
  const unknown = new Set(push.data?.ok ? (push.data.data?.unknownUserIds ?? []) : []);

  return (
    <div className="stack">
      <div className="toolbar">
        <h2>Ваши телефоны</h2>
        <Button variant="secondary" type="button" onClick={() => refresh.mutate()} pending={refresh.isPending}>
          {refresh.isPending ? "Обновление…" : "Обновить список"}
        </Button>
      </div>
      <p className="muted">
        Укажите внутренний номер сотрудников и нажмите «Сохранить» в строке. Настройки не применяются в CRM до нажатия
        на кнопку «Сохранить настройки».
      </p>
      {refresh.data && !refresh.data.ok ? <Alert tone="error">{refresh.data.error}</Alert> : null}
      {phones.isPending ? <p role="status">Загрузка сотрудников…</p> : null}
      {phones.isError ? <Alert tone="error">{phones.error.message}</Alert> : null}
      {phones.data ? (
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Сотрудник</th>
              <th scope="col">Внутренний добавочный номер</th>
              <th scope="col">Операции</th>
            </tr>
          </thead>
          <tbody>
            {phones.data.map((row) => (
              <PhoneRow key={row.crmUserId} row={row} unknownInCrm={unknown.has(row.crmUserId)} />
            ))}
          </tbody>
        </table>
      ) : null}
      {push.data ? (
        <Alert tone={push.data.ok ? (unknown.size ? "info" : "success") : "error"}>
          {push.data.ok ? push.data.message : push.data.error}
        </Alert>
      ) : null}
      <div>
        <Button type="button" onClick={() => push.mutate()} pending={push.isPending}>
          {push.isPending ? "Сохранение настроек…" : "Сохранить настройки"}
        </Button>
      </div>
    </div>
  );
}
