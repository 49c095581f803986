import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Journal } from "@/components/calls/journal";
import { requireAccount } from "@/lib/auth";
import { journalQuery, listCalls, pageOfCall } from "@/lib/journal";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations();
  return { title: t("common.title", { page: t("calls.title") }) };
}
export const dynamic = "force-dynamic";

export default async function CallsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const account = await requireAccount();
  // A page number that is not one shows the first page, as a link typed by hand deserves.
  const query = journalQuery.safeParse(await searchParams);
  // A call asked for by its id (a link from «Обзор») shows the page it is on.
  const call = query.success && query.data.call ? await pageOfCall(account.id, query.data.call) : null;
  const page = call ?? (query.success ? query.data.page : 1);
  return (
    <Journal page={page} initial={await listCalls(account.id, page)} target={call ? query.data?.call : undefined} />
  );
}
