"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useDeferredValue, useMemo, useState } from "react";
import { OutcomeAlert, useActionForm } from "@/components/ui/action-form";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { PhoneRow as Row } from "@/lib/accounts";
import { pushExtensionsAction, refreshUsersAction } from "./actions";
import { PhoneRow } from "./phone-row";

/** Rows per page: a team of 500+ users stays a short page (docs/cabinet.md). */
const PAGE_SIZE = 50;

function matches(row: Row, query: string): boolean {
  if (!query) return true;
  return [row.name, row.email ?? "", row.extension ?? "", String(row.crmUserId)].some((field) =>
    field.toLocaleLowerCase().includes(query),
  );
}

/**
 * «Ваши телефоны», rendered with the list the server loaded; «Обновить список» reads the CRM again.
 * Typed but unsaved numbers are kept here, not in the rows, so they survive searching and paging.
 */
export function PhonesTab({ loaded }: { loaded: { phones: Row[] } | { error: string } }) {
  const t = useTranslations("phones");
  const router = useRouter();
  const [query, setQuery] = useState("");
  const [page, setPage] = useState(0);
  const [drafts, setDrafts] = useState<ReadonlyMap<number, string>>(new Map());
  const refresh = useActionForm();
  const push = useActionForm<Record<string, never>, { unknownUserIds: number[] }>();
  const unknown = new Set(push.outcome?.ok ? (push.outcome.data?.unknownUserIds ?? []) : []);
  const phones = useMemo(() => ("phones" in loaded ? loaded.phones : null), [loaded]);
  const search = useDeferredValue(query.trim().toLocaleLowerCase());
  const found = useMemo(() => (phones ?? []).filter((row) => matches(row, search)), [phones, search]);
  const pages = Math.max(1, Math.ceil(found.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const shown = found.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  const unsaved = (phones ?? []).filter((row) => {
    const draft = drafts.get(row.crmUserId);
    return draft !== undefined && draft !== (row.extension ?? "");
  }).length;

  function setDraft(crmUserId: number, value: string | undefined) {
    setDrafts((previous) => {
      const next = new Map(previous);
      if (value === undefined) next.delete(crmUserId);
      else next.set(crmUserId, value);
      return next;
    });
  }

  return (
    <div className="stack">
      <div className="toolbar">
        <h2>{t("title")}</h2>
        <Button
          variant="secondary"
          type="button"
          onClick={refresh.submit(
            () => refreshUsersAction(),
            (result) => {
              if (result.ok) router.refresh();
            },
          )}
          pending={refresh.formState.isSubmitting}
        >
          {refresh.formState.isSubmitting ? t("refreshing") : t("refresh")}
        </Button>
      </div>
      <p className="muted">{t("intro")}</p>
      {refresh.outcome?.ok === false ? <OutcomeAlert outcome={refresh.outcome} /> : null}
      {"error" in loaded && !refresh.outcome ? <Alert tone="error">{loaded.error}</Alert> : null}
      {phones ? (
        <>
          <div className="field">
            <label htmlFor="phones-search">{t("search")}</label>
            <input
              id="phones-search"
              type="search"
              value={query}
              placeholder={t("searchPlaceholder")}
              onChange={(event) => {
                setQuery(event.target.value);
                setPage(0);
              }}
            />
            <p className="field-hint" role="status">
              {search ? t("found", { count: found.length, total: phones.length }) : null}
            </p>
          </div>
          {unsaved > 0 ? <Alert tone="info">{t("unsavedCount", { count: unsaved })}</Alert> : null}
          <table>
            <thead>
              <tr>
                <th scope="col">{t("columns.id")}</th>
                <th scope="col">{t("columns.user")}</th>
                <th scope="col">{t("columns.extension")}</th>
                <th scope="col">{t("columns.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <PhoneRow
                  key={row.crmUserId}
                  row={row}
                  draft={drafts.get(row.crmUserId)}
                  onDraft={(value) => setDraft(row.crmUserId, value)}
                  unknownInCrm={unknown.has(row.crmUserId)}
                />
              ))}
            </tbody>
          </table>
          {found.length === 0 ? <p className="muted">{t("nothingFound")}</p> : null}
          {pages > 1 ? (
            <nav className="inline" aria-label={t("pages")}>
              <Button variant="secondary" type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
                {t("previous")}
              </Button>
              <span>{t("pageOf", { page: current + 1, pages })}</span>
              <Button
                variant="secondary"
                type="button"
                disabled={current >= pages - 1}
                onClick={() => setPage(current + 1)}
              >
                {t("next")}
              </Button>
            </nav>
          ) : null}
        </>
      ) : null}
      <OutcomeAlert outcome={push.outcome} tone={unknown.size ? "info" : "success"} />
      <div>
        <Button type="button" onClick={push.submit(() => pushExtensionsAction())} pending={push.formState.isSubmitting}>
          {push.formState.isSubmitting ? t("pushing") : t("push")}
        </Button>
      </div>
    </div>
  );
}
