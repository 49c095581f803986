import type { Metadata } from "next";
import Link from "next/link";
import { CallsTable } from "@/components/calls/calls-table";
import { requireAccount } from "@/lib/auth/session";
import { listCalls } from "@/lib/journal/calls";

export const metadata: Metadata = { title: "Журнал звонков — Asterisk ⇄ retailCRM" };
export const dynamic = "force-dynamic";

export default async function CallsPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  const account = await requireAccount();
  const requested = Number((await searchParams).page ?? 1);
  const page = Number.isInteger(requested) && requested > 0 ? requested : 1;
  const { calls, pages, total } = await listCalls(account.id, page);
  return (
    <div className="stack">
      <div className="toolbar">
        <h2>Журнал звонков</h2>
        <span className="muted">Всего звонков: {total}</span>
      </div>
      {calls.length ? (
        <CallsTable calls={calls} />
      ) : (
        <p>Звонков пока нет: они появятся, когда Asterisk начнёт присылать события.</p>
      )}
      {pages > 1 ? (
        <nav className="actions" aria-label="Страницы журнала">
          {page > 1 ? <Link href={`/cabinet/calls?page=${page - 1}`}>← Новее</Link> : null}
          <span>
            Страница {page} из {pages}
          </span>
          {page < pages ? <Link href={`/cabinet/calls?page=${page + 1}`}>Старее →</Link> : null}
        </nav>
      ) : null}
    </div>
  );
}
