import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { AsteriskSettingsForm } from "@/components/asterisk/asterisk-settings-form";
import { EventConnectionStatusView } from "@/components/asterisk/event-connection-status";
import { loadAsteriskSettings } from "@/lib/accounts/asterisk-settings";
import { requireAccount } from "@/lib/auth/session";
import { eventConnectionStatus } from "@/lib/call-tracking";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations();
  return { title: t("common.title", { page: t("asterisk.title") }) };
}

export default async function AsteriskSettingsPage() {
  const account = await requireAccount();
  const [{ form, hasSecret }, status] = await Promise.all([
    loadAsteriskSettings(account.id),
    eventConnectionStatus(account.id),
  ]);
  return (
    <AsteriskSettingsForm
      defaults={form}
      hasSecret={hasSecret}
      connection={<EventConnectionStatusView status={status} />}
    />
  );
}
