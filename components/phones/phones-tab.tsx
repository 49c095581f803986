"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { pushExtensionsAction, refreshUsersAction } from "@/app/(cabinet)/cabinet/phones/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { PhoneRow as Row } from "@/lib/accounts/users";
import { PhoneRow } from "./phone-row";

/** «Ваши телефоны», rendered with the list the server loaded; «Обновить список» reads the CRM again and re-renders. */
export function PhonesTab({ loaded }: { loaded: { phones: Row[] } | { error: string } }) {
  const router = useRouter();
  const refresh = useMutation({
    mutationFn: refreshUsersAction,
    onSuccess: (result) => {
      if (result.ok) router.refresh();
    },
  });
  const push = useMutation({ mutationFn: pushExtensionsAction });
  const unknown = new Set(push.data?.ok ? (push.data.data?.unknownUserIds ?? []) : []);
  const phones = "phones" in loaded ? loaded.phones : null;

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
      {"error" in loaded && !refresh.data ? <Alert tone="error">{loaded.error}</Alert> : null}
      {phones ? (
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
            {phones.map((row) => (
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
