import type { Metadata } from "next";
import { PhonesTab } from "@/components/phones/phones-tab";

export const metadata: Metadata = { title: "Ваши телефоны — Asterisk ⇄ retailCRM" };

export default function PhonesPage() {
  return <PhonesTab />;
}
