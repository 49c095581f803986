import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import Link from "next/link";
import { CallsTable } from "@/components/calls/calls-table";
import { requireAccount } from "@/lib/auth";
import { listCalls } from "@/lib/journal";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations();
  return { title: t("common.title", { page: t("calls.title") }) };
}
export const dynamic = "force-dynamic";

export default async function CallsPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  const account = await requireAccount();
  const t = await getTranslations("calls");
  const requested = Number((await searchParams).page ?? 1);
  const page = Number.isInteger(requested) && requested > 0 ? requested : 1;
  const { calls, pages, total } = await listCalls(account.id, page);
  return (
    <div className="stack">
      <div className="toolbar">
        <h2>{t("title")}</h2>
        <span className="muted">{t("total", { total })}</span>
      </div>
      {calls.length ? <CallsTable calls={calls} /> : <p>{t("empty")}</p>}
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
