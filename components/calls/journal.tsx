"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { useLiveRead } from "@/components/ui/use-live-read";
import type { JournalPage } from "@/lib/journal";
import { CallsTable } from "./calls-table";
import { journalPageKey } from "./journal-query";

/** How often an open journal is read again: a call shows up, and its deliveries settle, within this. */
const REFRESH_MS = 10_000;

/** «Журнал звонков», one page of it, kept current while the tab is open; `target`, a call linked to, is marked. */
export function Journal({ page, initial, target }: { page: number; initial: JournalPage; target?: number }) {
  const t = useTranslations("calls");
  const { calls, pages, total } = useLiveRead(
    journalPageKey(page),
    `/api/cabinet/calls?page=${page}`,
    initial,
    REFRESH_MS,
  );
  return (
    <div className="stack">
      <div className="toolbar">
        <h2>{t("title")}</h2>
        <span className="muted">{t("total", { total })}</span>
      </div>
      {calls.length ? <CallsTable calls={calls} target={target} /> : <p>{t("empty")}</p>}
      {pages > 1 ? (
        <nav className="actions" aria-label={t("pages.label")}>
          {page > 1 ? <Link href={`/cabinet/calls?page=${page - 1}`}>{t("pages.newer")}</Link> : null}
          <span>{t("pages.position", { page, pages })}</span>
          {page < pages ? <Link href={`/cabinet/calls?page=${page + 1}`}>{t("pages.older")}</Link> : null}
        </nav>
      ) : null}
    </div>
  );
}
