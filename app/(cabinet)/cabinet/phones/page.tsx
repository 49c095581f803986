import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { PhonesTab } from "@/components/phones/phones-tab";
import { phonesForCabinet } from "@/lib/accounts";
import { requireAccount } from "@/lib/auth";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations();
  return { title: t("common.title", { page: t("phones.title") }) };
}

export default async function PhonesPage() {
  const account = await requireAccount();
  return <PhonesTab loaded={await phonesForCabinet(account.id)} />;
}
