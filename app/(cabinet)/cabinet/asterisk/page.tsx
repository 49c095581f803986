import type { Metadata } from "next";
import { AsteriskSettingsForm } from "@/components/asterisk/asterisk-settings-form";
import { loadAsteriskSettings } from "@/lib/accounts/asterisk-settings";
import { requireAccount } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Настройки Asterisk — Asterisk ⇄ retailCRM" };

export default async function AsteriskSettingsPage() {
  const account = await requireAccount();
  const { form, hasSecret } = await loadAsteriskSettings(account.id);
  return <AsteriskSettingsForm defaults={form} hasSecret={hasSecret} />;
}
