import type { Metadata } from "next";
import { PhonesTab } from "@/components/phones/phones-tab";
import { phonesForCabinet } from "@/lib/accounts/users";
import { requireAccount } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Ваши телефоны — Asterisk ⇄ retailCRM" };

export default async function PhonesPage() {
  const account = await requireAccount();
  return <PhonesTab loaded={await phonesForCabinet(account.id)} />;
}
