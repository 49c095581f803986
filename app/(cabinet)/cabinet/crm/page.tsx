import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { CrmOptionsForm } from "@/components/crm/crm-options-form";
import { IgnoreListForm } from "@/components/crm/ignore-list-form";
import { StoreNumbersForm } from "@/components/crm/store-numbers-form";
import { TranscriptsForm } from "@/components/transcripts/transcripts-form";
import { requireAccount } from "@/lib/auth";
import { loadCrmOptions } from "@/lib/crm-options";
import { loadIgnoreList } from "@/lib/ignore-list";
import { storesForCabinet } from "@/lib/sites";
import { loadTranscriptCabinet } from "@/lib/transcripts";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations();
  return { title: t("common.title", { page: t("crm.title") }) };
}

export default async function CrmFeaturesPage() {
  const account = await requireAccount();
  const [{ form, users }, stores, ignore, transcripts] = await Promise.all([
    loadCrmOptions(account.id),
    storesForCabinet(account.id),
    loadIgnoreList(account.id),
    loadTranscriptCabinet(account.id),
  ]);
  return (
    <>
      <CrmOptionsForm
        defaults={form}
        users={users.map((user) => ({ id: String(user.crmUserId), name: user.name, active: user.active }))}
      />
      <StoreNumbersForm numbers={stores.numbers} sites={stores.sites} />
      <IgnoreListForm defaults={ignore.form} ignoredLast30Days={ignore.ignoredLast30Days} />
      <TranscriptsForm cabinet={transcripts} />
    </>
  );
}
